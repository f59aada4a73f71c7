"""``pitstop work run``: hold a lease while a command runs."""

from __future__ import annotations

import contextlib
import os
import socket
from typing import Annotated

import typer

from pitstop.cli.common import EXIT_REFUSED, api_error, ctx_of, err_console, parse_duration
from pitstop.cli.process import (
    CommandFailedToStart,
    Interrupted,
    Signals,
    interruptible,
    run_command,
)
from pitstop.sdk import InMaintenance, PitstopError

app = typer.Typer(help="Run work under a lease.", no_args_is_help=True)


@app.command(context_settings={"allow_interspersed_args": False})
def run(
    ctx: typer.Context,
    command: Annotated[list[str], typer.Argument(help="the command, after --")],
    target: Annotated[str, typer.Option(help="target the work runs on")] = "platform",
    kind: Annotated[str, typer.Option(help="kind of work, e.g. build")] = "job",
    holder: Annotated[str | None, typer.Option(help="who holds it [default: host:pid]")
                      ] = None,
    expected: Annotated[str | None, typer.Option(help="expected duration, e.g. 10m")] = None,
    phase: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Run COMMAND holding a lease on TARGET; exit with COMMAND's code (75 when refused)."""
    holder = holder or f"{socket.gethostname()}:{os.getpid()}"
    expected_s = parse_duration(expected) if expected else None
    try:
        with ctx_of(ctx).client() as client, interruptible() as signals, \
                contextlib.ExitStack() as held:
            with signals.noted():  # a signal waits for the answer: then the lease is ours
                held.enter_context(client.lease(target, kind, holder,
                                                expected_duration_s=expected_s, phase=phase))
            held.callback(signals.undoing)  # runs first on the way out: the release ends
            signals.raise_pending()
            code = _run(command, signals)
    except Interrupted as stop:  # the lease was released on the way out
        err_console.print(f"interrupted by {stop}; the lease was released", highlight=False)
        raise typer.Exit(stop.exit_code) from None
    except InMaintenance as exc:
        err_console.print(f"refused: {exc.detail}", highlight=False)
        if exc.retry_after:
            err_console.print(f"retry after {exc.retry_after:.0f} s", highlight=False)
        raise typer.Exit(EXIT_REFUSED) from None
    except PitstopError as exc:
        api_error(exc)
    raise typer.Exit(code)


def _run(command: list[str], signals: Signals) -> int:
    try:
        return run_command(command, signals)
    except CommandFailedToStart as exc:
        err_console.print(f"error: {exc}", highlight=False)
        return exc.code
