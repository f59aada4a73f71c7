"""``pitstop windows list|show|create|edit|pause|resume|delete`` and ``pitstop preview``.

Times are shown in each window's own zone, with the zone named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from pitstop.cli.common import Json, call, console, fail, parse_duration, print_items, print_json

app = typer.Typer(help="Scheduled maintenance windows.", no_args_is_help=True)
IMPACTS = ("MAINTENANCE", "DEGRADED", "DOWN")

Title = Annotated[str | None, typer.Option(help="what the maintenance is")]
Start = Annotated[str | None, typer.Option(
    help="local start in --tz, without an offset, e.g. 2026-11-29T02:30")]
Tz = Annotated[str | None, typer.Option("--tz", help="IANA time zone, e.g. Europe/Berlin")]
Length = Annotated[str | None, typer.Option("--duration", help="e.g. 2h, 90m or PT2H")]
Rule = Annotated[str | None, typer.Option(
    "--rrule", help="RFC 5545 rule, e.g. 'FREQ=WEEKLY;BYDAY=SU' (edit: 'none' for one-time)")]
Affects = Annotated[list[str] | None, typer.Option(
    "--affects", help="platform, node:NAME, service:NAME or labels k=v[,k=v], optionally "
    "followed by :MAINTENANCE, :DEGRADED or :DOWN; repeatable")]
Description = Annotated[str | None, typer.Option(help="longer text for the status page")]
Lead = Annotated[str | None, typer.Option("--ready-lead", help="READY this long before the "
                                                                "start (default 1h)")]
Reminders = Annotated[list[str] | None, typer.Option("--reminder", help="a reminder this long "
                                                     "before the start, e.g. 1d; repeatable")]


def parse_affects(values: list[str]) -> list[dict[str, Any]]:
    """``service:api:DOWN`` -> {"selector": "service:api", "impact": "DOWN"};
    ``region=eu,tier=db`` -> a label selector."""
    out = []
    for value in values:
        text, impact = value, "MAINTENANCE"
        head, _, tail = value.rpartition(":")
        if head and tail in IMPACTS:
            text, impact = head, tail
        if "=" in text:
            pairs = [p.partition("=") for p in text.split(",")]
            if any(not k or not v for k, _, v in pairs):
                raise typer.BadParameter(f"{value!r}: labels are k=v pairs separated by commas",
                                         param_hint="--affects")
            selector: Any = {"labels": {k: v for k, _, v in pairs}}
        else:
            selector = text
        out.append({"selector": selector, "impact": impact})
    return out


def _seconds(text: str) -> int:
    return int(parse_duration(text))


def local(value: str | None, zone: str) -> str:
    """An instant from the API in the window's zone, e.g. '2026-11-29 02:30 CET' (with
    seconds when it is not on the minute, so a short window does not read as empty)."""
    if not value:
        return "-"
    at = datetime.fromisoformat(value).astimezone(ZoneInfo(zone))
    return at.strftime("%Y-%m-%d %H:%M:%S %Z" if at.second else "%Y-%m-%d %H:%M %Z")


def _affects_text(window: dict[str, Any]) -> str:
    parts = []
    for a in window["affects"]:
        sel = a["selector"]
        what = sel if isinstance(sel, str) else ",".join(f"{k}={v}"
                                                         for k, v in sel["labels"].items())
        parts.append(what if a["impact"] == "MAINTENANCE" else f"{what} ({a['impact']})")
    return ", ".join(parts)


def _schedule_text(window: dict[str, Any]) -> str:
    start = window["start"].replace("T", " ").removesuffix(":00")
    when = f"from {start} {window['timezone']}, lasting {window['duration']}"
    return f"{when}, {window['rrule']}" if window["rrule"] else f"{when}, once"


def occurrences_table(items: list[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("id", "status", "start", "end", ""):
        table.add_column(column)
    for o in items:
        notes = [n for n, on in (("moved", o["moved"]), ("paused", o["paused"]),
                                 ("projected", o.get("projected"))) if on]
        table.add_row(str(o["id"] or "-"), o["status"], local(o["start"], o["timezone"]),
                      local(o["end"], o["timezone"]), ", ".join(notes))
    return table


def show_window(window: dict[str, Any]) -> None:
    console.print(f"[bold]window {window['id']}[/]: {window['title']} "
                  f"({window['status'].lower()}{'' if window['gates_work'] else ', does not gate'}"
                  f"{'' if window['public'] else ', private'})", highlight=False)
    console.print(f"  when     {_schedule_text(window)}", highlight=False)
    console.print(f"  affects  {_affects_text(window)}", highlight=False)
    if window.get("occurrences"):
        console.print(occurrences_table(window["occurrences"]))


def _window_out(data: dict[str, Any], json_: bool) -> None:
    if json_:
        print_json(data)
    else:
        show_window(data)


@app.command("list")
def list_(ctx: typer.Context,
          status: Annotated[str | None, typer.Option(help="ACTIVE or PAUSED")] = None,
          target: Annotated[str | None, typer.Option(help="only windows affecting it")] = None,
          json_: Json = False) -> None:
    """List windows with their next occurrence."""
    def row(w: dict[str, Any]) -> tuple[str, ...]:
        nxt = w["occurrences"][0] if w["occurrences"] else None
        return (str(w["id"]), w["title"], w["status"],
                f"{local(nxt['start'], w['timezone'])} ({nxt['status']})" if nxt else "-",
                w["rrule"] or "once", _affects_text(w))

    print_items(call(ctx, lambda c: c.list_windows(status=status, target=target)), json_,
                ("id", "title", "status", "next", "repeats", "affects"), row)


@app.command()
def show(ctx: typer.Context, window_id: int, json_: Json = False) -> None:
    """One window and its live occurrences."""
    _window_out(call(ctx, lambda c: c.get_window(window_id)), json_)


def _fields(title: str | None, start: str | None, tz: str | None, duration: str | None,
            rrule: str | None, affects: list[str] | None, description: str | None,
            ready_lead: str | None, reminders: list[str] | None) -> dict[str, Any]:
    """The API fields the options give (only those given)."""
    fields: dict[str, Any] = {"title": title, "start": start, "timezone": tz,
                              "description": description}
    fields = {k: v for k, v in fields.items() if v is not None}
    if duration is not None:
        fields["duration"] = _seconds(duration)
    if rrule is not None:
        fields["rrule"] = None if rrule.lower() == "none" else rrule
    if affects:
        fields["affects"] = parse_affects(affects)
    if ready_lead is not None:
        fields["ready_lead"] = _seconds(ready_lead)
    if reminders:
        fields["reminders"] = [_seconds(r) for r in reminders]
    return fields


@app.command()
def create(
    ctx: typer.Context, title: Title = None, start: Start = None, tz: Tz = None,
    duration: Length = None, rrule: Rule = None, affects: Affects = None,
    description: Description = None, ready_lead: Lead = None, reminder: Reminders = None,
    no_gates_work: Annotated[bool, typer.Option("--no-gates-work", help="show it, but let "
                                                "work run")] = False,
    private: Annotated[bool, typer.Option(help="keep it off the status page and "
                                          "calendar")] = False,
    paused: Annotated[bool, typer.Option(help="create it paused")] = False,
    json_: Json = False,
) -> None:
    """Plan a maintenance window (one-time, or recurring with --rrule)."""
    missing = [name for name, v in (("--title", title), ("--start", start), ("--tz", tz),
                                    ("--duration", duration), ("--affects", affects)) if not v]
    if missing:
        fail(f"create needs {', '.join(missing)}")
    fields = _fields(title, start, tz, duration, rrule, affects, description, ready_lead,
                     reminder)
    fields.update(gates_work=not no_gates_work, public=not private,
                  status="PAUSED" if paused else "ACTIVE")
    _window_out(call(ctx, lambda c: c.create_window(**fields)), json_)


@app.command()
def edit(
    ctx: typer.Context, window_id: int, title: Title = None, start: Start = None,
    tz: Tz = None, duration: Length = None, rrule: Rule = None, affects: Affects = None,
    description: Description = None, ready_lead: Lead = None, reminder: Reminders = None,
    gates_work: Annotated[bool | None, typer.Option("--gates-work/--no-gates-work")] = None,
    public: Annotated[bool | None, typer.Option("--public/--private")] = None,
    json_: Json = False,
) -> None:
    """Change what is given; a new timing replaces the occurrences that have not started."""
    fields = _fields(title, start, tz, duration, rrule, affects, description, ready_lead,
                     reminder)
    fields.update({k: v for k, v in (("gates_work", gates_work), ("public", public))
                   if v is not None})
    if not fields:
        fail("nothing to change: give at least one option (see --help)")
    _window_out(call(ctx, lambda c: c.update_window(window_id, **fields)), json_)


@app.command()
def pause(ctx: typer.Context, window_id: int, json_: Json = False) -> None:
    """Hold the window: its occurrences that have not started do not start."""
    _window_out(call(ctx, lambda c: c.update_window(window_id, status="PAUSED")), json_)


@app.command()
def resume(ctx: typer.Context, window_id: int, json_: Json = False) -> None:
    """Let the window's occurrences start again."""
    _window_out(call(ctx, lambda c: c.update_window(window_id, status="ACTIVE")), json_)


@app.command()
def delete(ctx: typer.Context, window_id: int) -> None:
    """Delete the window and its occurrences (the history keeps them)."""
    call(ctx, lambda c: c.delete_window(window_id))
    console.print(f"window {window_id} deleted")


def preview(
    ctx: typer.Context, start: Start = None, tz: Tz = None, duration: Length = None,
    rrule: Rule = None,
    count: Annotated[int, typer.Option(min=1, max=100, help="how many")] = 10,
    json_: Json = False,
) -> None:
    """The next occurrences of a rule, in its zone, without saving anything."""
    missing = [n for n, v in (("--start", start), ("--tz", tz), ("--duration", duration))
               if not v]
    if missing:
        fail(f"preview needs {', '.join(missing)}")
    fields = _fields(None, start, tz, duration, rrule, None, None, None, None)
    data = call(ctx, lambda c: c.preview(count=count, **fields))
    if json_:
        print_json(data)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("#", "start", "end", "UTC"):
        table.add_column(column)
    for i, o in enumerate(data["occurrences"], 1):
        table.add_row(str(i), local(o["start"], data["timezone"]),
                      local(o["end"], data["timezone"]),
                      o["start"].replace("T", " ").replace("Z", " UTC"))
    console.print(table)
