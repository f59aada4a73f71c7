"""``status``, ``enter``, ``exit`` and ``history``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from pitstop import clock
from pitstop.cli.common import (
    EXIT_TIMEOUT,
    Json,
    api_error,
    console,
    ctx_of,
    err_console,
    fail,
    parse_duration,
    print_json,
    when,
)
from pitstop.cli.display import drain_view, history_table, state_line, wait_for_safe
from pitstop.sdk import PitstopError

Reason = Annotated[str, typer.Option("--reason", "-r", help="why (1-500 characters)")]
Hold = Annotated[str | None, typer.Option(help="a named hold (a tool's, e.g. deploy-3f9a); "
                                               "default: your token's own")]


def status(ctx: typer.Context, target: Annotated[str | None, typer.Argument()] = None,
           json_: Json = False) -> None:
    """Effective maintenance state and drain status (all targets, or one)."""
    try:
        with ctx_of(ctx).client() as client:
            data = client.get_target(target) if target else client.list_targets()
    except PitstopError as exc:
        api_error(exc)
    if json_:
        print_json(data)
        return
    for item in [data] if target else data["items"]:
        console.print(state_line(item))
        if target:
            console.print(drain_view(item["drain"], item["id"]))
    if data.get("stale"):  # answered from memory while the database is unreachable
        err_console.print(f"[yellow]warning:[/] stale: the server cannot reach its database; "
                          f"this is its state as of {when(data.get('as_of'))}", highlight=False)


def enter(
    ctx: typer.Context,
    target: str,
    reason: Reason,
    wait: Annotated[str | None, typer.Option(help="wait until safe to deploy, up to this long "
                                                   "(e.g. 5m)")] = None,
    expires: Annotated[str | None, typer.Option(help="end this hold by itself after this "
                                                      "long (e.g. 2h)")] = None,
    public_message: Annotated[str | None, typer.Option(
        help="what the public status page shows (the reason never is)")] = None,
    hold: Hold = None,
    json_: Json = False,
) -> None:
    """Put TARGET into maintenance (or join it: it ends when its last holder exits); with
    --wait, show the drain until it is safe."""
    timeout = parse_duration(wait) if wait else None
    expires_at = (clock.now() + timedelta(seconds=parse_duration(expires))
                  if expires else None)
    try:
        with ctx_of(ctx).client() as client:
            result = client.enter(target, reason, expires_at=expires_at, hold=hold,
                                  public_message=public_message)
            if not json_:
                console.print(result["message"])
            if timeout is None:
                if json_:
                    print_json(result)
                return
            safe, drain = wait_for_safe(client, target, timeout, live=not json_)
    except PitstopError as exc:
        api_error(exc)
    except KeyboardInterrupt:  # stops waiting, not the maintenance
        fail(f"stopped waiting; {target} stays in maintenance (end it with: pitstop exit "
             f"{target} --reason '...')", 130)
    if json_:
        print_json({**result, "drain": drain})
    if not safe:
        if not drain["in_maintenance"]:
            fail(f"{target} left maintenance while waiting")
        fail(f"timed out after {wait}: {drain['in_flight']} still in flight; {target} stays "
             "in maintenance", EXIT_TIMEOUT)
    if not json_:
        console.print(f"[green]{target} is safe to deploy[/]")


def exit_(ctx: typer.Context, target: str, reason: Reason, hold: Hold = None,
          every: Annotated[bool, typer.Option("--all", help="admin: end it for every holder "
                                                             "(audited)")] = False,
          json_: Json = False) -> None:
    """Release your hold on TARGET's maintenance; it ends when no holder is left."""
    try:
        with ctx_of(ctx).client() as client:
            result = client.exit(target, reason, hold=hold, all=every)
    except PitstopError as exc:
        api_error(exc)
    if json_:
        print_json(result)
    else:
        console.print(result["message"])


def history(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option()] = None,
    action: Annotated[str | None, typer.Option()] = None,
    actor: Annotated[str | None, typer.Option()] = None,
    since: Annotated[str | None, typer.Option(help="ISO time with zone")] = None,
    until: Annotated[str | None, typer.Option(help="ISO time with zone")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page")] = None,
    json_: Json = False,
) -> None:
    """The audit history, newest first."""
    try:
        with ctx_of(ctx).client() as client:
            page = client.history(target=target, action=action, actor=actor, since=since,
                                  until=until, limit=limit, cursor=cursor)
    except PitstopError as exc:
        api_error(exc)
    if json_:
        print_json(page)
        return
    console.print(history_table(page["items"]))
    if page["next_cursor"]:
        console.print(f"more: --cursor {page['next_cursor']}", style="dim", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(status)
    app.command()(enter)
    app.command("exit")(exit_)
    app.command()(history)
