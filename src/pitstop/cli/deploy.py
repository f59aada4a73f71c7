"""``pitstop deploy``: enter -> wait until safe -> run -> wait healthy -> exit.

The deploy takes a maintenance hold of its own (``deploy-<random>``) and, on every way out,
releases exactly that hold, never one someone else took: a maintenance entered by hand
before the deploy is still on after it. Every way out ends with a line that says which
state the target is left in.
"""

from __future__ import annotations

import time
from typing import Annotated, NoReturn

import httpx
import typer

from pitstop import clock
from pitstop.cli.common import (
    EXIT_ERROR,
    EXIT_TIMEOUT,
    EXIT_UNHEALTHY,
    api_error,
    console,
    ctx_of,
    err_console,
    parse_duration,
)
from pitstop.cli.display import wait_for_safe
from pitstop.cli.process import (
    CommandFailedToStart,
    Interrupted,
    Signals,
    interruptible,
    run_command,
)
from pitstop.sdk import Client, Conflict, PitstopError
from pitstop.sdk.holds import new_hold_key


def _unhealthy(url: str, timeout_s: float) -> str | None:
    """Wait for ``url`` to answer 200; None when it did, else what it last answered."""
    deadline = clock.monotonic() + timeout_s
    while True:
        try:
            status = httpx.get(url, timeout=5).status_code
            if status == 200:
                return None
            last = f"HTTP {status}"
        except httpx.HTTPError as exc:  # the service may be restarting: try again
            last = f"{type(exc).__name__}: {exc}"
        if clock.monotonic() >= deadline:
            return last
        time.sleep(1)


class _Deploy:
    """One deploy's hold on its target, and the way it leaves."""

    def __init__(self, client: Client, target: str, reason: str, signals: Signals) -> None:
        self.client, self.target, self.reason = client, target, reason
        self.signals = signals
        self.hold = new_hold_key("deploy")

    def enter(self, public_message: str | None) -> None:
        """Take the hold. A signal meanwhile waits for the answer (the server may have
        taken it), then is raised, and the hold is released like on any other way out."""
        try:
            with self.signals.deferred():
                entered = self.client.enter(self.target, self.reason, hold=self.hold,
                                            public_message=public_message)
        except PitstopError as exc:
            if exc.status is not None and exc.status < 500:
                api_error(exc)  # refused: nothing was taken
            raise  # no answer: the hold may be ours, so it is released on the way out
        console.print(entered["message"], highlight=False)

    def leave(self, why: str) -> None:
        """Release this deploy's hold and say what state the target is left in; nothing
        interrupts that (further signals are dropped)."""
        self.signals.undoing()
        try:
            result = self.client.exit(self.target, f"{why}: {self.reason}"[:500],
                                      hold=self.hold)
        except Conflict:  # an admin ended it for all, and someone entered since
            console.print(f"hold {self.hold} was already released; {self.target} stays in "
                          "maintenance, held by others", highlight=False)
            return
        except PitstopError as exc:
            err_console.print(f"error: could not release hold {self.hold} on {self.target}: "
                              f"{exc.detail}; {self.keep_hint()}", highlight=False,
                              soft_wrap=True)
            return
        console.print(result["message"], highlight=False)

    def keep_hint(self) -> str:
        return (f"{self.target} stays in maintenance under hold {self.hold}; end it with: "
                f"pitstop exit {self.target} --hold {self.hold} --reason '...'")

    def stop(self, message: str, code: int, *, keep: bool = False, why: str = "") -> NoReturn:
        err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
        if keep:
            err_console.print(self.keep_hint(), highlight=False, soft_wrap=True)
        else:
            self.leave(why or message)
        raise typer.Exit(code)


def deploy(
    ctx: typer.Context,
    command: Annotated[list[str], typer.Argument(help="the deploy command, after --")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="why (1-500 characters)")],
    target: Annotated[str, typer.Option(help="what to take down")] = "platform",
    public_message: Annotated[str | None, typer.Option(
        help="what the public status page shows (the reason never is)")] = None,
    timeout: Annotated[str, typer.Option(help="longest wait for safe")] = "5m",
    health_url: Annotated[str | None, typer.Option(help="wait for 200 here after deploying")
                          ] = None,
    health_timeout: Annotated[str, typer.Option(help="longest wait for health")] = "5m",
    force: Annotated[bool, typer.Option(help="deploy even if the wait for safe times out")
                     ] = False,
    keep_on_failure: Annotated[bool, typer.Option(help="stay in maintenance if the command "
                                                        "fails")] = False,
) -> None:
    """Deploy inside maintenance, the way a CI job should; ends only its own hold."""
    wait_s, health_s = parse_duration(timeout), parse_duration(health_timeout)
    with ctx_of(ctx).client() as client, interruptible() as signals:
        run = _Deploy(client, target, reason, signals)
        try:
            run.enter(public_message)
            _steps(run, command, wait_s, timeout, force, keep_on_failure)
            problem = _unhealthy(health_url, health_s) if health_url else None
            if problem:
                run.stop(f"{health_url} did not answer 200 within {health_timeout} "
                         f"(last: {problem})", EXIT_UNHEALTHY, keep=True)
            run.leave("deploy finished")
        except Interrupted as stop:
            run.stop(f"deploy interrupted by {stop}", stop.exit_code)
        except PitstopError as exc:  # the server failed mid-deploy: undo what is ours
            run.stop(exc.detail, EXIT_ERROR, why="deploy failed")


def _steps(run: _Deploy, command: list[str], wait_s: float, timeout: str, force: bool,
           keep_on_failure: bool) -> None:
    """Wait until safe and run the command; any failure stops the deploy (typer.Exit)."""
    safe, drain = wait_for_safe(run.client, run.target, wait_s, live=True)
    if not drain["in_maintenance"]:
        run.stop(f"{run.target} left maintenance while waiting (an admin ended it for all); "
                 "nothing was run", EXIT_TIMEOUT, why="deploy aborted")
    if not safe and not force:
        run.stop(f"not safe to deploy after {timeout} ({drain['in_flight']} in flight); "
                 "nothing was run (use --force to deploy anyway)",
                 EXIT_TIMEOUT, why=f"deploy aborted: not safe after {timeout}")
    console.print(f"running: {' '.join(command)}", highlight=False)
    try:
        code = run_command(command, run.signals)
    except CommandFailedToStart as exc:
        run.stop(str(exc), exc.code, why="deploy command did not start")
    if code != 0:
        run.stop(f"deploy command failed with exit code {code}", code, keep=keep_on_failure)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_interspersed_args": False})(deploy)
