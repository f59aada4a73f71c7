"""``pitstop occurrences list|complete|cancel|move|delete``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pitstop.cli.common import Json, call, console, print_json
from pitstop.cli.windows import local, occurrences_table

app = typer.Typer(help="Occurrences of a window: list, complete early, cancel, move, delete.",
                  no_args_is_help=True)


def _done(data: dict[str, Any], json_: bool, verb: str) -> None:
    if json_:
        print_json(data)
        return
    console.print(f"occurrence {data['id']} {verb}: {data['status']}, "
                  f"{local(data['start'], data['timezone'])} - "
                  f"{local(data['end'], data['timezone'])}", highlight=False)


@app.command("list")
def list_(
    ctx: typer.Context, window_id: int,
    from_: Annotated[str | None, typer.Option("--from", help="ending after (ISO 8601 with "
                                              "offset); default now")] = None,
    to: Annotated[str | None, typer.Option(help="starting before (ISO 8601 with offset)")
                  ] = None,
    status: Annotated[str | None, typer.Option(help="SCHEDULED, READY, ONGOING, COMPLETED "
                                               "or CANCELLED")] = None,
    projected: Annotated[bool, typer.Option(help="with --to: also those not generated "
                                            "yet")] = False,
    json_: Json = False,
) -> None:
    """A window's occurrences, in its own zone."""
    data = call(ctx, lambda c: c.list_occurrences(window_id, start_from=from_, start_before=to,
                                                  status=status, projected=projected))
    if json_:
        print_json(data)
    else:
        console.print(occurrences_table(data["items"]))


@app.command()
def complete(ctx: typer.Context, window_id: int, occurrence_id: int, json_: Json = False
             ) -> None:
    """End an ONGOING occurrence now."""
    data = call(ctx, lambda c: c.update_occurrence(window_id, occurrence_id,
                                                   status="COMPLETED"))
    _done(data, json_, "completed")


@app.command()
def cancel(ctx: typer.Context, window_id: int, occurrence_id: int, json_: Json = False
           ) -> None:
    """Cancel one occurrence (before its start it keeps its planned times)."""
    data = call(ctx, lambda c: c.update_occurrence(window_id, occurrence_id,
                                                   status="CANCELLED"))
    _done(data, json_, "cancelled")


@app.command()
def move(
    ctx: typer.Context, window_id: int, occurrence_id: int,
    start: Annotated[str, typer.Option(help="new start: wall time in the window's zone, or "
                                       "with an offset")],
    end: Annotated[str, typer.Option(help="new end, the same way")],
    json_: Json = False,
) -> None:
    """Move a SCHEDULED or READY occurrence; it keeps its identity and is never
    generated again at its old time."""
    data = call(ctx, lambda c: c.update_occurrence(window_id, occurrence_id, start=start,
                                                   end=end))
    _done(data, json_, "moved")


@app.command()
def delete(ctx: typer.Context, window_id: int, occurrence_id: int) -> None:
    """Delete one occurrence; it is never generated again."""
    call(ctx, lambda c: c.delete_occurrence(window_id, occurrence_id))
    console.print(f"occurrence {occurrence_id} of window {window_id} deleted")
