"""``pitstop nodes list|show|create|delete|rotate-token|enter|exit`` and
``pitstop nodes config set NAME FILE``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from pitstop.cli.common import (
    Json,
    Labels,
    call,
    console,
    fail,
    labels_of,
    print_items,
    print_json,
    when,
)
from pitstop.cli.display import drain_view, state_line

app = typer.Typer(help="Nodes and their agents.", no_args_is_help=True)
config_app = typer.Typer(help="A node's desired config.", no_args_is_help=True)
app.add_typer(config_app, name="config")
Reason = Annotated[str, typer.Option("--reason", "-r", help="why (1-500 characters)")]


def _show(node: dict[str, Any]) -> None:
    console.print(state_line({**node, "id": node["target"]}))
    seen = when(node["last_seen"]) if node["last_seen"] else "never"
    console.print(f"  health   {node['health']} (last seen {seen}, agent "
                  f"{node['agent_version'] or '-'})", highlight=False)
    running = ", ".join(r["workload"] for r in node["running"]) or "nothing"
    console.print(f"  running  {running}", highlight=False)
    console.print(drain_view(node["drain"], node["target"]))


@app.command("list")
def list_(ctx: typer.Context, json_: Json = False) -> None:
    """Every node: health, maintenance and what its agent runs."""
    print_items(call(ctx, lambda c: c.list_nodes()), json_,
                ("name", "health", "maintenance", "running", "labels", "last seen"),
                lambda n: (n["name"], n["health"],
                           "MAINTENANCE" if n["in_maintenance"] else "-",
                           str(len(n["running"])),
                           ",".join(f"{k}={v}" for k, v in n["labels"].items()) or "-",
                           when(n["last_seen"])))


@app.command()
def show(ctx: typer.Context, name: str, json_: Json = False) -> None:
    """One node."""
    data = call(ctx, lambda c: c.get_node(name))
    if json_:
        print_json(data)
    else:
        _show(data)


@app.command()
def create(ctx: typer.Context, name: str,
           label: Labels = None, json_: Json = False) -> None:
    """Register a node (admin); prints its agent token once."""
    data = call(ctx, lambda c: c.register_node(name, labels_of(label)))
    if json_:
        print_json(data)
        return
    console.print(f"registered node {name}. Its agent token is shown only this once:")
    console.print(f"  {data['token']}", highlight=False)


@app.command()
def delete(ctx: typer.Context, name: str) -> None:
    """Unregister a node (admin); its agent token stops working."""
    call(ctx, lambda c: c.delete_node(name))
    console.print(f"node {name} deleted")


@app.command("rotate-token")
def rotate_token(ctx: typer.Context, name: str, json_: Json = False) -> None:
    """A new agent token (admin); the old one stops working at once."""
    data = call(ctx, lambda c: c.rotate_node_token(name))
    if json_:
        print_json(data)
        return
    console.print(f"new agent token for {name}, shown only this once:")
    console.print(f"  {data['token']}", highlight=False)


def _toggle(ctx: typer.Context, name: str, reason: str, enter: bool, json_: bool,
            every: bool = False, force: bool = False) -> None:
    data = call(ctx, lambda c: c.node_maintenance(name, enter=enter, reason=reason,
                                                  all=every, force=force))
    if json_:
        print_json(data)
        return
    console.print(data["message"], highlight=False)
    if enter and data["running_workloads"]:
        console.print(f"its agent runs {data['running_workloads']} workload(s); they stop on "
                      "its next poll", highlight=False)


@app.command()
def enter(ctx: typer.Context, name: str, reason: Reason, json_: Json = False,
          force: Annotated[bool, typer.Option(help="enter even beyond a disruption budget "
                                                   "(audited)")] = False) -> None:
    """Put a node into maintenance (admin): its agent stops its workloads."""
    _toggle(ctx, name, reason, True, json_, force=force)


@app.command("exit")
def exit_(ctx: typer.Context, name: str, reason: Reason, json_: Json = False,
          every: Annotated[bool, typer.Option("--all", help="end it for every holder")
                           ] = False) -> None:
    """Release your hold on a node's maintenance (admin); when none is left its agent starts
    its workloads again."""
    _toggle(ctx, name, reason, False, json_, every)


@config_app.command("set")
def config_set(ctx: typer.Context,
               args: Annotated[list[str], typer.Argument(
                   metavar="NAME FILE | --selector k=v FILE",
                   help="the node and a JSON file (- for stdin); with --selector, the file")],
               selector: Annotated[list[str] | None, typer.Option(
                   "--selector", "-s", help="every node with this label, key=value; "
                   "repeatable (all must match)")] = None,
               json_: Json = False) -> None:
    """Set a node's desired config from a JSON file (a workloads list and any other fields),
    or the same config for every node the --selector labels match."""
    if len(args) != (1 if selector else 2):
        fail("give NAME FILE for one node, or --selector key=value FILE for every node "
             "with that label")
    name, file = (None, Path(args[0])) if selector else (args[0], Path(args[1]))
    try:
        text = typer.get_text_stream("stdin").read() if str(file) == "-" else file.read_text()
        config = json.loads(text)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    except json.JSONDecodeError as exc:
        fail(f"{file} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    if selector:
        labels = labels_of(selector)
        data = call(ctx, lambda c: c.set_nodes_config(labels, config))
    else:
        data = call(ctx, lambda c: c.set_node_config(str(name), config))
    if json_:
        print_json(data)
    elif selector:
        names = data["updated"]
        console.print(f"config set on {len(names)} node(s): {', '.join(names) or '-'}",
                      highlight=False)
    else:
        console.print(f"config of {name} set: {len(config.get('workloads', []))} workload(s)")


@config_app.command("show")
def config_show(ctx: typer.Context, name: str) -> None:
    """A node's desired config, as JSON (as its agent gets it outside maintenance)."""
    data = call(ctx, lambda c: c.get_node(name))
    print_json(data["config"])
