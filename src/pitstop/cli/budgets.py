"""``pitstop budgets list|set|remove``: disruption budgets per label selector (admin)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from pitstop.cli.common import call, console, print_json, when
from pitstop.cli.display import print_wide
from pitstop.cli.roll import parse_or_fail

app = typer.Typer(help="Disruption budgets: at most N nodes of a selector in maintenance.",
                  no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="print JSON")]
Selector = Annotated[str, typer.Argument(help="the nodes: key=value[,key=value]")]


@app.command("list")
def list_(ctx: typer.Context, json_: Json = False) -> None:
    """Every budget, by selector."""
    items = call(ctx, lambda c: c.list_budgets())["items"]
    if json_:
        print_json(items)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("selector", "max_unavailable", "updated", "by"):
        table.add_column(column, no_wrap=True)
    for b in items:
        table.add_row(b["key"], str(b["max_unavailable"]), when(b["updated_at"]),
                      b["updated_by"])
    print_wide(table)


@app.command("set")
def set_(ctx: typer.Context, selector: Selector,
         max_unavailable: Annotated[int, typer.Option(min=0, help="at most this many of its "
                                                      "nodes in maintenance at once")],
         json_: Json = False) -> None:
    """Create or replace the budget of a selector: a node enter beyond it is refused."""
    data = call(ctx, lambda c: c.set_budget(parse_or_fail(selector), max_unavailable))
    if json_:
        print_json(data)
        return
    console.print(f"budget {data['key']}: at most {data['max_unavailable']} in maintenance",
                  highlight=False)


@app.command()
def remove(ctx: typer.Context, selector: Selector) -> None:
    """Remove the budget of a selector."""
    key = ",".join(f"{k}={v}" for k, v in sorted(parse_or_fail(selector).items()))
    call(ctx, lambda c: c.remove_budget(key))
    console.print(f"budget {key} removed", highlight=False)
