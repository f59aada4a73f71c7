"""``pitstop roll``: rolling maintenance over the nodes matching a selector.

    pitstop roll --selector rack=b --max-unavailable 2 --reason "kernel 6.12" \\
        --check-url 'http://{node}:8080/health' -- ./upgrade.sh {node}
    pitstop roll list | status ID | resume ID

The server records the roll and enforces its limits (``/v1/rolls``); this process drives
it: it runs the command for each node it is given (see :mod:`pitstop.cli.roll_driver`).
"""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

import typer
from rich.table import Table

from pitstop.cli.common import (
    EXIT_ERROR,
    call,
    console,
    ctx_of,
    fail,
    parse_duration,
    print_json,
    when,
)
from pitstop.cli.display import print_wide
from pitstop.cli.roll_driver import Check, Driver
from pitstop.domain.rolls import parse_selector
from pitstop.sdk.holds import new_hold_key

USAGE = ("a new roll needs --selector, --reason and its command after --; or: pitstop roll "
         "list | status ID | resume ID")


def _options(check_timeout: str, check_retries: int, check_interval: str) -> dict[str, Any]:
    return {"timeout_s": parse_duration(check_timeout), "retries": max(1, check_retries),
            "interval_s": parse_duration(check_interval)}


def roll(
    ctx: typer.Context,
    args: Annotated[list[str] | None, typer.Argument(
        metavar="-- COMMAND... | list | status ID | resume ID",
        help="the command to run per node ({node} is its name), after --")] = None,
    selector: Annotated[str | None, typer.Option(
        "--selector", "-s", help="the nodes: key=value[,key=value]")] = None,
    max_unavailable: Annotated[int, typer.Option(
        min=1, help="at most this many nodes in maintenance at once")] = 1,
    reason: Annotated[str | None, typer.Option("--reason", "-r", help="why (1-500)")] = None,
    check_url: Annotated[str | None, typer.Option(
        help="must answer 200 before a node leaves maintenance ({node} is its name)")] = None,
    check_cmd: Annotated[str | None, typer.Option(
        help="a shell command that must exit 0 ({node} is its name, shell-quoted)")] = None,
    check_timeout: Annotated[str, typer.Option(help="each health check attempt")] = "10s",
    check_retries: Annotated[int, typer.Option(help="attempts before it fails")] = 3,
    check_interval: Annotated[str, typer.Option(help="between attempts")] = "2s",
    drain_timeout: Annotated[str, typer.Option(help="longest wait for a node's drain")
                             ] = "5m",
    take_over: Annotated[bool, typer.Option(
        help="resume: restart the steps a driver that died left in progress")] = False,
    json_: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Rolling maintenance: the nodes matching --selector go into maintenance at most
    --max-unavailable at a time; each waits for its drain, runs the command, and must pass
    the health check before it exits and the next starts. A failure stops the roll and
    keeps its node in maintenance; `pitstop roll resume ID` goes on."""
    args = list(args or [])
    check = _options(check_timeout, check_retries, check_interval)
    drain_s = parse_duration(drain_timeout)
    if selector is not None:
        if not args or not reason:
            fail(USAGE)
        if check_url and check_cmd:
            fail("give --check-url or --check-cmd, not both")
        _new(ctx, parse_or_fail(selector), max_unavailable, reason, args,
             Check(url=check_url, cmd=check_cmd, **check), drain_s)
    verb, rest = (args[0], args[1:]) if args else ("", [])
    if verb == "list" and not rest:
        _list(ctx, json_)
    elif verb == "status" and len(rest) == 1:
        _status(ctx, _roll_id(rest[0]), json_)
    elif verb == "resume" and len(rest) == 1:
        _resume(ctx, _roll_id(rest[0]), check, drain_s, take_over)
    else:
        fail(USAGE)


def parse_or_fail(text: str) -> dict[str, str]:
    try:
        return parse_selector(text)
    except ValueError as exc:
        fail(str(exc))


def _roll_id(text: str) -> int:
    if not text.isdigit():
        fail(f"{text!r} is not a roll id (see pitstop roll list)")
    return int(text)


def _new(ctx: typer.Context, selector: dict[str, str], max_unavailable: int, reason: str,
         command: list[str], check: Check, drain_s: float) -> NoReturn:
    driver = new_hold_key("drv")
    created = call(ctx, lambda c: c.create_roll(
        selector=selector, reason=reason, command=command, driver=driver,
        max_unavailable=max_unavailable, check=check.describe()))
    names = ", ".join(s["node"] for s in created["steps"])
    console.print(f"roll {created['id']}: {len(created['steps'])} nodes ({names}), at most "
                  f"{max_unavailable} at a time, hold {created['hold']}", highlight=False)
    _drive(ctx, created, driver, check, drain_s)


def _resume(ctx: typer.Context, roll_id: int, options: dict[str, Any], drain_s: float,
            take_over: bool) -> NoReturn:
    driver = new_hold_key("drv")
    resumed = call(ctx, lambda c: c.resume_roll(roll_id, driver, take_over=take_over))
    left = [s["node"] for s in resumed["steps"] if s["status"] != "done"]
    console.print(f"roll {roll_id} resumed: {len(left)} node(s) left ({', '.join(left)})",
                  highlight=False)
    _drive(ctx, resumed, driver, Check.parse(resumed["check"], **options), drain_s)


def _drive(ctx: typer.Context, roll_json: dict[str, Any], driver: str, check: Check,
           drain_s: float) -> NoReturn:
    run = Driver(ctx_of(ctx), roll_json, driver, check, drain_s)
    signum = run.run()
    final = call(ctx, lambda c: c.get_roll(run.id))
    done, total = final["progress"]["done"], final["progress"]["total"]
    for node in final["in_maintenance"]:
        console.print(f"node:{node} stays in maintenance under hold {run.hold}; end it with: "
                      f"pitstop exit node:{node} --hold {run.hold} --reason '...'",
                      highlight=False, soft_wrap=True)
    if final["status"] == "done":
        console.print(f"roll {run.id} done: {done}/{total} nodes", highlight=False)
        raise typer.Exit(0)
    how = f"interrupted by signal {signum}" if signum else "stopped: " + "; ".join(
        run.failures or ["a step failed"])
    fail(f"roll {run.id} {how} ({done}/{total} done); resume with: pitstop roll resume "
         f"{run.id}", 128 + signum if signum else EXIT_ERROR)


def _list(ctx: typer.Context, json_: bool) -> None:
    items = call(ctx, lambda c: c.list_rolls())["items"]
    if json_:
        print_json(items)
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "status", "done", "selector", "max", "created", "by", "reason"):
        table.add_column(column, no_wrap=column != "reason")
    for r in items:
        table.add_row(str(r["id"]), r["status"],
                      f"{r['progress']['done']}/{r['progress']['total']}",
                      ",".join(f"{k}={v}" for k, v in sorted(r["selector"].items())),
                      str(r["max_unavailable"]), when(r["created_at"]), r["created_by"],
                      r["reason"])
    print_wide(table)


def _status(ctx: typer.Context, roll_id: int, json_: bool) -> None:
    r = call(ctx, lambda c: c.get_roll(roll_id))
    if json_:
        print_json(r)
        return
    console.print(f"roll {r['id']}: {r['status']} — {r['progress']['done']}/"
                  f"{r['progress']['total']} done, at most {r['max_unavailable']} at a time, "
                  f"hold {r['hold']}; {r['reason']}", highlight=False, soft_wrap=True)
    table = Table(box=None, pad_edge=False)
    for column in ("node", "status", "attempts", "finished", "message"):
        table.add_column(column, no_wrap=column != "message")
    for s in r["steps"]:
        table.add_row(s["node"], s["status"], str(s["attempts"]), when(s["finished_at"]),
                      s["message"] or "")
    print_wide(table)


def register(app: typer.Typer) -> None:
    app.command()(roll)
