"""``pitstop subscribers list|export|remove``: the public's subscribers (admin)."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from pitstop.cli.common import api_error, call, console, ctx_of, print_json, when
from pitstop.sdk import PitstopError

app = typer.Typer(help="Public subscribers to maintenance notices (admin).",
                  no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="print JSON")]
COLUMNS = ("id", "kind", "address", "services", "status", "created_at", "confirmed_at",
           "created_ip", "language")


def _fetch(ctx: typer.Context) -> list[dict[str, Any]]:
    return list(call(ctx, lambda client: client.list_subscribers())["items"])


@app.command("list")
def list_(ctx: typer.Context, json_: Json = False) -> None:
    """List subscribers, oldest first."""
    items = _fetch(ctx)
    if json_:
        print_json({"items": items})
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "kind", "address", "services", "status", "since"):
        table.add_column(column)
    for s in items:
        table.add_row(s["id"], s["kind"], s["address"],
                      "all" if s["services"] is None else ", ".join(s["services"]),
                      s["status"], when(s["created_at"]))
    console.print(table)


@app.command()
def export(ctx: typer.Context) -> None:
    """Print every subscriber as CSV (the columns of GET /v1/subscribers.csv)."""
    writer = csv.writer(sys.stdout, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in _fetch(ctx):
        writer.writerow([" ".join(s["services"] or []) if c == "services" else s[c] or ""
                         for c in COLUMNS])


@app.command()
def remove(ctx: typer.Context, subscriber_id: str) -> None:
    """Remove a subscriber: nothing more is sent to it."""
    try:
        with ctx_of(ctx).client() as client:
            client.remove_subscriber(subscriber_id)
    except PitstopError as exc:
        api_error(exc)
    console.print(f"removed subscriber {subscriber_id}")
