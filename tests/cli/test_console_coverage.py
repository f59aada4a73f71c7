"""Every action the console offers has a CLI command: the console's actions are read from
its templates and scripts, and each must be in the table below, naming a command that
exists. A new button or form without a CLI command fails here until the table (and the CLI)
has one."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

import pitstop.web
from pitstop.cli.main import app

WEB = Path(pitstop.web.__file__).parent
CONSOLE = WEB / "templates" / "console"

# (method, API path with {} for what varies) or ("occurrence", action) -> the CLI command
CLI_FOR: dict[tuple[str, str], str] = {
    ("POST", "/v1/targets/platform/maintenance/enter"): "enter",
    ("POST", "/v1/targets/platform/maintenance/exit"): "exit",
    ("POST", "/v1/nodes/{}/maintenance/enter"): "nodes enter",
    ("POST", "/v1/nodes/{}/maintenance/exit"): "nodes exit",
    ("POST", "/v1/windows"): "windows create",
    ("PATCH", "/v1/windows/{}"): "windows edit",
    ("POST", "/v1/recurrence/preview"): "preview",
    ("occurrence", "update"): "update post",
    ("occurrence", "complete"): "occurrences complete",
    ("occurrence", "cancel"): "occurrences cancel",
    ("occurrence", "move"): "occurrences move",
    ("occurrence", "delete"): "occurrences delete",
    ("POST", "/v1/tokens"): "token create",
    ("DELETE", "/v1/tokens/{}"): "token revoke",
    ("POST", "/v1/channels"): "channels create",
    ("POST", "/v1/subscriptions"): "subscriptions create",
    ("POST", "/v1/channels/{}/test"): "channels test",
    ("DELETE", "/v1/channels/{}"): "channels delete",
    ("POST", "/v1/deliveries/{}/retry"): "deliveries retry",
    ("GET", "/v1/subscribers.csv"): "subscribers export",
    ("DELETE", "/v1/subscribers/{}"): "subscribers remove",
    ("PUT", "/v1/branding"): "branding set",
    ("PUT", "/v1/branding/logo"): "branding logo set",
    ("DELETE", "/v1/branding/logo"): "branding logo remove",
    ("PUT", "/v1/service-groups"): "service-groups set",
    ("POST", "/v1/silence-rules"): "silences rules add",
    ("DELETE", "/v1/silence-rules/{}"): "silences rules remove",
}
# Forms that are no action on pitstop's data: signing in and out of the console (the CLI
# sends its token), and the dialogs that confirm the actions above.
NOT_ACTIONS = ("/console/login", "/console/logout", 'method="dialog"', "data-logo",
               "data-groups")

_JINJA = re.compile(r"\{\{.*?\}\}")
_API = re.compile(r'data-api="([^"]+)" data-method="(\w+)"')
_SWITCH = re.compile(r'data-switch="\w+" data-url="([^"]+)"')
_OCC = re.compile(r'data-occ="(\w+)"')
_DOWNLOAD = re.compile(r'href="(/v1/[^"]+)"[^>]*\bdownload\b')
_WINDOW_FORM = re.compile(r"data-method=\"\{\{ '(\w+)' if w else '(\w+)' \}\}\"")
_SCRIPT = re.compile(r'(?:call|api|fetch)\("(/v1/[^"]+)",\s*(?:\{\s*method:\s*)?"(\w+)"')


def _path(url: str) -> str:
    return _JINJA.sub("{}", url)


def _template_actions(tag: str) -> set[tuple[str, str]]:
    found = {(m, _path(u)) for u, m in _API.findall(tag)}
    found |= {("POST", _path(u)) for u in _SWITCH.findall(tag)}
    found |= {("occurrence", a) for a in _OCC.findall(tag)}
    found |= {("GET", u) for u in _DOWNLOAD.findall(tag)}
    for edit, create in _WINDOW_FORM.findall(tag):  # the one form for new and edit
        found |= {(edit, "/v1/windows/{}"), (create, "/v1/windows")}
    return found


def console_actions() -> set[tuple[str, str]]:
    """Every action in the console's templates and scripts; a tag that looks like one
    (a form, data-api, data-url) but is not recognised fails, so none slips by."""
    actions: set[tuple[str, str]] = set()
    for page in sorted(CONSOLE.glob("*.html")):
        for tag in re.findall(r"<[a-z][^>]*>", page.read_text()):
            tag = " ".join(tag.split())
            found = _template_actions(tag)
            looks = re.search(r"<form|data-api=|data-url=|data-occ=", tag)
            assert found or not looks or any(n in tag for n in NOT_ACTIONS), \
                f"{page.name}: an action this test does not recognise: {tag}"
            actions |= found
    for script in sorted((WEB / "static").glob("*.js")):
        actions |= {(m, u) for u, m in _SCRIPT.findall(script.read_text())}
    return actions


def cli_commands() -> set[str]:
    def walk(cmd: Any, path: tuple[str, ...]) -> set[str]:
        if hasattr(cmd, "commands"):  # a group
            return {c for name, sub in cmd.commands.items() for c in walk(sub, (*path, name))}
        return {" ".join(path)}

    return walk(typer.main.get_command(app), ())


def test_every_console_action_has_a_cli_command():
    actions = console_actions()
    assert len(actions) >= 20  # the reader still finds the console's actions
    missing = sorted(a for a in actions if a not in CLI_FOR)
    assert not missing, f"console actions without a CLI command in CLI_FOR: {missing}"
    commands = cli_commands()
    unknown = sorted(c for c in CLI_FOR.values() if c not in commands)
    assert not unknown, f"CLI_FOR names commands that do not exist: {unknown}"
