"""``pitstop targets list|show|create|relabel|delete`` and ``pitstop services list|show|status``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from pitstop.cli.common import (
    Json,
    Labels,
    call,
    console,
    ctx_of,
    fail,
    labels_of,
    print_items,
    print_json,
    when,
)
from pitstop.cli.display import drain_view, state_line
from pitstop.sdk import PitstopError

app = typer.Typer(help="Targets: the platform, nodes and services.", no_args_is_help=True)
services_app = typer.Typer(help="Services and the realtime status their monitors report.",
                           no_args_is_help=True)
Kind = Annotated[str | None, typer.Option(help="only platform, node or service")]


def _label_text(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items()) or "-"


@app.command("list")
def list_(ctx: typer.Context, kind: Kind = None, json_: Json = False) -> None:
    """Every target (or one kind): maintenance, work in flight, labels."""
    print_items(call(ctx, lambda c: c.list_targets(kind)), json_,
                ("id", "maintenance", "in flight", "labels", "updated"),
                lambda t: (t["id"], "MAINTENANCE" if t["in_maintenance"] else "-",
                           str(t["drain"]["in_flight"]), _label_text(t["labels"]),
                           when(t["updated_at"])))


@app.command("show")
def show(ctx: typer.Context, target: str, json_: Json = False) -> None:
    """One target: its state, why, and its drain."""
    data = call(ctx, lambda c: c.get_target(target))
    if json_:
        print_json(data)
        return
    console.print(state_line(data))
    console.print(f"  labels   {_label_text(data['labels'])}", highlight=False)
    console.print(drain_view(data["drain"], data["id"]))


def _put(ctx: typer.Context, target: str, labels: list[str] | None, json_: bool,
         verb: str) -> None:
    data = call(ctx, lambda c: c.put_target(target, labels_of(labels)))
    if json_:
        print_json(data)
    else:
        console.print(f"{data['id']} {verb} (labels {_label_text(data['labels'])})",
                      highlight=False)


@app.command("create")
def create(ctx: typer.Context, target: Annotated[str, typer.Argument(
        help="node:NAME or service:NAME")], label: Labels = None, json_: Json = False) -> None:
    """Create a node or service target (the platform always exists)."""
    _put(ctx, target, label, json_, "created")


@app.command("relabel")
def relabel(ctx: typer.Context, target: str, label: Labels = None,
            json_: Json = False) -> None:
    """Replace a target's labels (no --label: none)."""
    _put(ctx, target, label, json_, "relabelled")


@app.command("delete")
def delete(
    ctx: typer.Context, target: Annotated[str, typer.Argument(help="node:NAME or service:NAME")],
    reason: Annotated[str, typer.Option(help="why (audited)")],
) -> None:
    """Delete a target that is not in maintenance, has no work in flight and that nothing
    refers to any more (admin)."""
    try:
        with ctx_of(ctx).client() as client:
            client.delete_target(target, reason)
    except PitstopError as exc:  # not api_error: its 404 hint says to create the target
        fail(exc.detail)
    console.print(f"{target} deleted", highlight=False)


@services_app.command("list")
def services_list(ctx: typer.Context, json_: Json = False) -> None:
    """Every service: what the status page displays, and what its monitor reports."""
    def row(s: dict[str, Any]) -> tuple[str, ...]:
        realtime: dict[str, Any] = s.get("realtime") or {}
        return (s["name"], s["displayed"], realtime.get("status", "-"),
                realtime.get("message") or "-", when(realtime.get("at")))

    print_items(call(ctx, lambda c: c.list_services()), json_,
                ("name", "displayed", "realtime", "message", "reported"), row)


@services_app.command("show")
def services_show(ctx: typer.Context, name: str, json_: Json = False) -> None:
    """One service: displayed status, realtime status, and what affects it."""
    data = call(ctx, lambda c: c.get_service(name))
    if json_:
        print_json(data)
        return
    realtime: dict[str, Any] = data.get("realtime") or {}
    console.print(f"{data['name']}: {data['displayed']}", highlight=False)
    console.print(f"  realtime {realtime.get('status', '-')}"
                  + (f" ({realtime['message']})" if realtime.get("message") else ""),
                  highlight=False)
    for impact in data.get("impacts", ()):
        console.print(f"  affected by {impact.get('kind')} {impact.get('source', '')}: "
                      f"{impact.get('impact')}", highlight=False)


@services_app.command("status")
def services_status(
    ctx: typer.Context, name: str,
    status: Annotated[str, typer.Argument(help="UP, DEGRADED or DOWN")],
    message: Annotated[str | None, typer.Option(help="what the monitor saw")] = None,
    json_: Json = False,
) -> None:
    """Report a service's realtime status (as a monitor does); creates the service."""
    data = call(ctx, lambda c: c.report_status(name, status.upper(), message))
    if json_:
        print_json(data)
    else:
        console.print(f"{name}: reported {status.upper()}, displayed {data['displayed']}",
                      highlight=False)
