"""``pitstop subscribers list|export|remove``: the public's subscribers (admin)."""

from __future__ import annotations

import csv
import sys
from typing import Any

import typer

from pitstop.cli.common import Json, call, console, print_items, when

app = typer.Typer(help="Public subscribers to maintenance notices (admin).",
                  no_args_is_help=True)
COLUMNS = ("id", "kind", "address", "services", "status", "created_at", "confirmed_at",
           "created_ip", "language")


def _fetch(ctx: typer.Context) -> list[dict[str, Any]]:
    return list(call(ctx, lambda client: client.list_subscribers())["items"])


@app.command("list")
def list_(ctx: typer.Context, json_: Json = False) -> None:
    """List subscribers, oldest first."""
    print_items({"items": _fetch(ctx)}, json_,
                ("id", "kind", "address", "services", "status", "since"),
                lambda s: (s["id"], s["kind"], s["address"],
                           "all" if s["services"] is None else ", ".join(s["services"]),
                           s["status"], when(s["created_at"])))


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
    call(ctx, lambda c: c.remove_subscriber(subscriber_id))
    console.print(f"removed subscriber {subscriber_id}")
