"""``pitstop silences``: the silences pitstop keeps in Alertmanager for targets in
maintenance, and (admin) the rules that say which targets and with which matchers."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer
from rich.table import Table

from pitstop.cli.common import call, console, fail, parse_duration, print_json, when

app = typer.Typer(help="Alertmanager silences for targets in maintenance.",
                  no_args_is_help=True)
rules_app = typer.Typer(help="Which targets are silenced, and with which matchers (admin).",
                        no_args_is_help=True)
app.add_typer(rules_app, name="rules")
Json = Annotated[bool, typer.Option("--json", help="print JSON")]
MATCHER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)(.*)$")
OPERATORS = {"=": (False, True), "!=": (False, False), "=~": (True, True), "!~": (True, False)}


def _table(*columns: str) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in columns:
        table.add_column(column)
    return table


def matcher_text(m: dict[str, Any]) -> str:
    op = {(False, True): "=", (False, False): "!=", (True, True): "=~",
          (True, False): "!~"}[(m["isRegex"], m["isEqual"])]
    return f"{m['name']}{op}{m['value']}"


def parse_matcher(text: str) -> dict[str, Any]:
    found = MATCHER.fullmatch(text.strip())
    if found is None:
        fail(f"matcher {text!r}: write it as name=value, name!=value, name=~regex or "
             "name!~regex, such as instance={name}")
    name, op, value = found.groups()
    is_regex, is_equal = OPERATORS[op]
    return {"name": name, "value": value, "isRegex": is_regex, "isEqual": is_equal}


def parse_selector(text: str) -> str | dict[str, Any]:
    """``node:db-1``, or labels: ``env=prod,region=eu``."""
    if "=" not in text:
        return text.strip()
    pairs = [p.partition("=") for p in text.split(",") if p.strip()]
    return {"labels": {k.strip(): v.strip() for k, _, v in pairs}}


def _selector_text(selector: Any) -> str:
    if isinstance(selector, str):
        return selector
    return ",".join(f"{k}={v}" for k, v in selector["labels"].items())


@app.command("list")
def silences_list(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option(help="only this target's")] = None,
    live: Annotated[bool, typer.Option("--live", help="only those not over yet")] = False,
    json_: Json = False,
) -> None:
    """Newest first: each silence, its state and its id in Alertmanager."""
    data = call(ctx, lambda c: c.list_silences(target=target, live=live))
    if json_:
        print_json(data)
        return
    table = _table("id", "target", "cause", "state", "alertmanager id", "ends", "error")
    for s in data["items"]:
        state = s["state"] if s["synced"] else f"{s['state']} (syncing)"
        table.add_row(str(s["id"]), s["target"], s["cause"], state,
                      s["alertmanager_id"] or "-", when(s["ends_at"]), s["last_error"] or "")
    console.print(table)


@rules_app.command("list")
def rules_list(ctx: typer.Context, json_: Json = False) -> None:
    """Every silence rule."""
    data = call(ctx, lambda c: c.list_silence_rules())
    if json_:
        print_json(data)
        return
    table = _table("id", "name", "selector", "matchers", "padding")
    for r in data["items"]:
        table.add_row(str(r["id"]), r["name"], _selector_text(r["selector"]),
                      " ".join(matcher_text(m) for m in r["matchers"]), f"{r['padding_s']}s")
    console.print(table)


@rules_app.command("add")
def rules_add(
    ctx: typer.Context, name: str,
    selector: Annotated[str, typer.Option(
        help="a target id (node:db-1), or labels (env=prod,region=eu)")],
    matcher: Annotated[list[str], typer.Option(
        help="name=value, name!=value, name=~regex or name!~regex; values may use {id}, "
             "{kind}, {name}, {labels.KEY}; repeatable")],
    padding: Annotated[str, typer.Option(help="added to a known end, such as 5m")] = "0",
    json_: Json = False,
) -> None:
    """Silence the targets a selector matches while they are in maintenance."""
    matchers = [parse_matcher(m) for m in matcher]
    padding_s = int(parse_duration(padding))
    data = call(ctx, lambda c: c.create_silence_rule(name, parse_selector(selector), matchers,
                                                     padding_s=padding_s))
    if json_:
        print_json(data)
    else:
        console.print(f"silence rule {data['id']} ({data['name']}) added", highlight=False)


@rules_app.command("remove")
def rules_remove(ctx: typer.Context, rule_id: int) -> None:
    """Remove a rule; its silences are expired in Alertmanager."""
    call(ctx, lambda c: c.delete_silence_rule(rule_id))
    console.print(f"silence rule {rule_id} removed", highlight=False)
