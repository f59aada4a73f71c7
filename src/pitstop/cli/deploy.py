"""``pitstop deploy``: enter -> wait until safe -> run -> wait healthy -> exit."""

from __future__ import annotations

import subprocess
import time
from typing import Annotated

import httpx
import typer

from pitstop import clock
from pitstop.cli.common import (
    EXIT_TIMEOUT,
    EXIT_UNHEALTHY,
    api_error,
    console,
    ctx_of,
    err_console,
    fail,
    parse_duration,
)
from pitstop.cli.display import wait_for_safe
from pitstop.sdk import Client, PitstopError


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


def _leave(client: Client, target: str, reason: str) -> None:
    result = client.exit(target, reason)
    console.print(result["message"])


def deploy(
    ctx: typer.Context,
    command: Annotated[list[str], typer.Argument(help="the deploy command, after --")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="why (1-500 characters)")],
    target: Annotated[str, typer.Option(help="what to take down")] = "platform",
    timeout: Annotated[str, typer.Option(help="longest wait for safe")] = "5m",
    health_url: Annotated[str | None, typer.Option(help="wait for 200 here after deploying")
                          ] = None,
    health_timeout: Annotated[str, typer.Option(help="longest wait for health")] = "5m",
    force: Annotated[bool, typer.Option(help="deploy even if the wait for safe times out")
                     ] = False,
    keep_on_failure: Annotated[bool, typer.Option(help="stay in maintenance if the command "
                                                        "fails")] = False,
) -> None:
    """Deploy inside a maintenance window, the way a CI job should."""
    wait_s, health_s = parse_duration(timeout), parse_duration(health_timeout)
    try:
        with ctx_of(ctx).client() as client:
            entered = client.enter(target, reason)
            console.print(entered["message"])
            safe, drain = wait_for_safe(client, target, wait_s, live=True)
            if not safe and not force:
                if entered["changed"]:
                    _leave(client, target, f"deploy aborted: not safe after {timeout}")
                fail(f"not safe to deploy after {timeout} ({drain['in_flight']} in flight); "
                     "nothing was run (use --force to deploy anyway)", EXIT_TIMEOUT)
            console.print(f"running: {' '.join(command)}", highlight=False)
            code = subprocess.call(command)
            if code != 0:
                if not keep_on_failure:
                    _leave(client, target, f"deploy command failed with exit code {code}")
                err_console.print(f"deploy command failed with exit code {code}")
                raise typer.Exit(code)
            problem = _unhealthy(health_url, health_s) if health_url else None
            if problem:
                fail(f"{health_url} did not answer 200 within {health_timeout} (last: "
                     f"{problem}); {target} stays in maintenance", EXIT_UNHEALTHY)
            _leave(client, target, f"deploy finished: {reason}"[:500])
    except PitstopError as exc:
        api_error(exc)
    except FileNotFoundError:
        fail(f"command not found: {command[0]}", 127)


def register(app: typer.Typer) -> None:
    app.command(context_settings={"allow_interspersed_args": False})(deploy)
