"""``pitstop update post|list``: updates during a maintenance, for the public page and the
subscribers."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.table import Table

from pitstop.cli.common import Json, call, console, print_json, when
from pitstop.sdk.client import Client

app = typer.Typer(help="Updates during a maintenance: post one, list them.",
                  no_args_is_help=True)
Subject = Annotated[str, typer.Argument(
    help="a target in switch maintenance (platform, service:api, node:web-1), or an "
         "occurrence as WINDOW_ID/OCCURRENCE_ID (12/345)")]
OCCURRENCE = re.compile(r"^(\d+)/(\d+)$")


def _occurrence(subject: str) -> tuple[int, int] | None:
    match = OCCURRENCE.match(subject)
    return (int(match[1]), int(match[2])) if match else None


def _post(subject: str, body: str, status: str | None) -> Callable[[Client], Any]:
    occ = _occurrence(subject)
    if occ is not None:
        return lambda c: c.post_occurrence_update(*occ, body, status=status)
    return lambda c: c.post_target_update(subject, body, status=status)


@app.command()
def post(
    ctx: typer.Context, subject: Subject,
    body: Annotated[str, typer.Argument(help="the text (markdown); - reads it from stdin")],
    status: Annotated[str | None, typer.Option(
        help="scheduled, in_progress, verifying or completed; default: scheduled before "
             "the start, in_progress after it")] = None,
    json_: Json = False,
) -> None:
    """Post an update to an ongoing or upcoming maintenance."""
    text = sys.stdin.read() if body == "-" else body
    data = call(ctx, _post(subject, text, status))
    if json_:
        print_json(data)
    else:
        console.print(f"update {data['id']} posted to {subject} ({data['status']})",
                      highlight=False)


@app.command("list")
def list_(ctx: typer.Context, subject: Subject, json_: Json = False) -> None:
    """The updates of an occurrence, or of a target's current switch maintenance, newest
    first."""
    occ = _occurrence(subject)
    data = call(ctx, (lambda c: c.list_occurrence_updates(*occ)) if occ is not None
                else (lambda c: c.list_target_updates(subject)))
    if json_:
        print_json(data)
        return
    table = Table("posted", "status", "by", "update")
    for u in data["items"]:
        table.add_row(when(u["created_at"]), u["status"], u["actor"], u["body"])
    console.print(table)
