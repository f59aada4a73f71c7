"""Rendering targets, drain status and history for people; waiting for a drain, live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from pitstop import clock
from pitstop.cli.common import console, err_console, when
from pitstop.sdk import Client

LOG_WIDTH = 160


def _wait_text(ms: int | None) -> str:
    if ms is None:
        return "unknown"
    seconds = ms / 1000
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def _cause_text(cause: dict[str, Any]) -> str:
    what = f"window {cause['window']} " if cause.get("kind") == "window" else ""
    holders = cause.get("holders") or []
    hold = f", hold {holders[0]['hold']}" if holders and holders[0].get("hold") else ""
    text = (f"{cause['source']}: {what}{cause['reason']} (by {cause.get('actor') or '-'}{hold} "
            f"since {when(cause['since'])}"
            + (f", until {when(cause['until'])}" if cause.get("until") else "") + ")")
    others = holders[1:]
    if others:  # it ends only when every holder has exited
        text += "; also held by " + ", ".join(_holder_text(h) for h in others)
    if cause.get("public_message"):
        text += f"; public: {cause['public_message']}"
    return text


def _holder_text(hold: dict[str, Any]) -> str:
    name = f"{hold['actor']} ({hold['hold']})" if hold.get("hold") else hold["actor"]
    return f"{name}: {hold['reason']}"


def state_line(target: dict[str, Any]) -> Text:
    if not target["in_maintenance"]:
        return Text.assemble((f"{target['id']}: ", "bold"), ("operational", "green"))
    causes = "; ".join(_cause_text(c) for c in target["causes"])
    return Text.assemble((f"{target['id']}: ", "bold"), ("MAINTENANCE", "bold yellow"),
                         f" — {causes}")


def _age(since: str | None) -> str:
    if not since:
        return "-"
    seconds = max(0.0, (clock.now() - datetime.fromisoformat(since)).total_seconds())
    if seconds < 120:
        return f"{seconds:.0f}s"
    return f"{seconds / 60:.0f}m" if seconds < 7200 else f"{seconds / 3600:.1f}h"


def work_table(items: list[dict[str, Any]]) -> Table:
    """Leases and agent-reported workloads: who holds each (or which node runs it), what,
    where, for how long, and how long ago its holder last sent a heartbeat. The id is never
    wrapped: it is what ``pitstop leases release`` takes."""
    table = Table(box=None, pad_edge=False)
    table.add_column("id", no_wrap=True)
    for column in ("holder", "kind", "target", "age", "heartbeat"):
        table.add_column(column, overflow="fold")
    table.columns[1].header = "holder/node"
    for item in items:
        holder = f"node {item['node']}" if item.get("reported") else item["holder"]
        kind = item["kind"] if item.get("reported") or not item["phase"] \
            else f"{item['kind']} ({item['phase']})"
        beat = item.get("last_heartbeat")
        table.add_row(item["id"], holder, kind, item["target"], _age(item["acquired_at"]),
                      f"{_age(beat)} ago" if beat else "-")
    return table


def print_wide(renderable: Any, *, to: Console = console) -> None:
    """Print a table whole where no terminal sets the width (CI logs, pipes), rather
    than folded at rich's default of 80 columns."""
    if not to.is_terminal:
        to = Console(file=to.file, width=max(to.width, LOG_WIDTH), no_color=to.no_color)
    to.print(renderable, highlight=False)


def release_hint(target: str) -> Text:
    return Text(f"see `pitstop leases list --target {target}`; release with "
                "`pitstop leases release ID --reason ...`", style="dim")


def drain_view(drain: dict[str, Any], target: str) -> Group:
    safe = drain["safe_to_deploy"]
    head = Text.assemble(
        (f"{target}: ", "bold"),
        ("safe to deploy" if safe else f"{drain['in_flight']} in flight", "green" if safe
         else "yellow"),
        f" · phase {drain['current_phase']} · estimated wait "
        f"{_wait_text(drain['estimated_wait_ms'])}",
    )
    if not drain["leases"]:
        return Group(head)
    parts: list[Any] = [head, work_table(drain["leases"])]
    if drain.get("more"):
        parts.append(Text(f"… and {drain['more']} more"))
    if not safe:
        parts.append(release_hint(target))
    return Group(*parts)


def blockers_view(drain: dict[str, Any], target: str) -> Group:
    """What still holds up the drain, for the end of a wait that timed out."""
    return Group(Text(f"still in flight on {target}:", style="bold"),
                 *drain_view(drain, target).renderables[1:])


def wait_for_safe(client: Client, target: str, timeout_s: float, *, live: bool
                  ) -> tuple[bool, dict[str, Any]]:
    """Wait until ``target`` is safe to deploy; the server wakes us on each change.

    Returns (safe, last drain status). Not safe means timeout or maintenance ended; on a
    timeout, what still blocks is printed (on stderr) with how to see and release it.
    """
    deadline = clock.monotonic() + timeout_s
    drain = client.drain(target)
    show = _Progress(target, live=live and console.is_terminal, log=live)
    show.update(drain)
    try:
        while not drain["safe_to_deploy"] and drain["in_maintenance"]:
            remaining = deadline - clock.monotonic()
            if remaining <= 0:
                break
            drain = client.drain(target, wait_ms=max(1, int(min(1.0, remaining) * 1000)))
            show.update(drain)
    finally:
        show.stop()
    if not drain["safe_to_deploy"] and drain["in_maintenance"] and drain["leases"]:
        print_wide(blockers_view(drain, target), to=err_console)
    return bool(drain["safe_to_deploy"]), drain


class _Progress:
    """A live table on a terminal; elsewhere (CI logs) one line whenever the count changes."""

    def __init__(self, target: str, *, live: bool, log: bool) -> None:
        self.target, self.log = target, log
        self.live = Live(console=console, auto_refresh=False) if live else None
        self.last: tuple[int, str] | None = None
        if self.live:
            self.live.start()

    def update(self, drain: dict[str, Any]) -> None:
        if self.live:
            self.live.update(drain_view(drain, self.target), refresh=True)
            return
        key = (drain["in_flight"], drain["current_phase"])
        if self.log and key != self.last:
            # The first line names what is in flight; later ones follow the count.
            view = drain_view(drain, self.target)
            print_wide(view if self.last is None else view.renderables[0])
            self.last = key

    def stop(self) -> None:
        if self.live:
            self.live.stop()


def history_table(items: list[dict[str, Any]]) -> Table:
    table = Table(box=None, pad_edge=False)
    for column in ("at", "actor", "action", "target"):  # kept whole: the reason wraps
        table.add_column(column, no_wrap=True)
    table.add_column("reason", ratio=1, min_width=12)
    for item in items:
        colour = {"maintenance.entered": "red", "maintenance.exited": "green"}.get(
            item["action"], "")
        table.add_row(when(item["at"]), item["actor"], Text(item["action"], style=colour),
                      item["target"] or "-", item["reason"] or "")
    return table
