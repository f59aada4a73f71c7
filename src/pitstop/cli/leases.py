"""``pitstop leases list|release``: what holds up a drain, and an admin's way to end it."""

from __future__ import annotations

from typing import Annotated

import typer

from pitstop.cli.common import Json, call, console, print_json
from pitstop.cli.display import print_wide, work_table

app = typer.Typer(help="Work in flight: leases and what agents report.", no_args_is_help=True)


@app.command("list")
def list_(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option(help="only work on or under this target")
                      ] = None,
    json_: Json = False,
) -> None:
    """Every lease and agent-reported workload in flight: holder (or node), kind, target,
    age, last heartbeat."""
    data = call(ctx, lambda c: c.list_leases(target))
    if json_:
        print_json(data)
    elif not data["items"]:
        console.print(f"nothing in flight{f' on {target}' if target else ''}")
    else:
        print_wide(work_table(data["items"]))


@app.command()
def release(
    ctx: typer.Context,
    lease_id: Annotated[str, typer.Argument(metavar="ID", help="lease id, or "
                                            "node:<name>/<workload> for reported work")],
    reason: Annotated[str, typer.Option("--reason", "-r", help="why (1-500 characters)")],
    json_: Json = False,
) -> None:
    """Force-release one lease or reported workload (admins; audited). Its holder's next
    heartbeat is refused; a reported run stays released until its agent reports a new run."""
    data = call(ctx, lambda c: c.force_release(lease_id, reason))
    if json_:
        print_json(data)
        return
    console.print(f"released {data['id']} (held by {data['holder']}, {data['kind']} on "
                  f"{data['target']}): {data['reason']}", highlight=False)
