"""Every command's --help: no ``<bool>`` placeholders (a flag reads as a flag), and every
option that has a default says it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from pitstop.cli.main import app


def _commands(cmd: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, cmd)]
    for name, sub in getattr(cmd, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_walk_reaches_every_group():
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {"admin recover", "targets delete", "branding logo set", "db backup"} <= paths


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[" ".join(p) or "pitstop"
                                                          for p, _ in COMMANDS])
def test_help_shows_no_bool_placeholder_and_every_default(path, cmd):
    shown = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "250"})
    assert shown.exit_code == 0, shown.output
    assert "<bool>" not in shown.output
    for param in cmd.params:
        shows_default = param.default not in (None, (), False) and not param.required
        if param.param_type_name != "option" or not shows_default or param.hidden:
            continue
        # The option's row in the Options panel (a description may name the option too).
        line = next(ln for ln in shown.output.splitlines()
                    if re.match(rf"│\s+{re.escape(param.opts[0])}\b", ln))
        assert "[default:" in line, f"{' '.join(path)} {param.opts[0]}: no default shown"
