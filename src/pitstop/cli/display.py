"""Rendering targets, drain status and history for people; waiting for a drain, live."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from pitstop import clock
from pitstop.cli.common import console, when
from pitstop.sdk import Client


def _wait_text(ms: int | None) -> str:
    if ms is None:
        return "unknown"
    seconds = ms / 1000
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def _cause_text(cause: dict[str, Any]) -> str:
    what = f"window {cause['window']} " if cause.get("kind") == "window" else ""
    return (f"{cause['source']}: {what}{cause['reason']} (by {cause.get('actor') or '-'} "
            f"since {when(cause['since'])}"
            + (f", until {when(cause['until'])}" if cause.get("until") else "") + ")")


def state_line(target: dict[str, Any]) -> Text:
    if not target["in_maintenance"]:
        return Text.assemble((f"{target['id']}: ", "bold"), ("operational", "green"))
    causes = "; ".join(_cause_text(c) for c in target["causes"])
    return Text.assemble((f"{target['id']}: ", "bold"), ("MAINTENANCE", "bold yellow"),
                         f" — {causes}")


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
    table = Table(box=None, pad_edge=False)
    for column in ("kind", "holder", "phase", "target", "since", "expected end"):
        table.add_column(column)
    for lease in drain["leases"]:
        table.add_row(lease["kind"], lease["holder"], lease["phase"] or "-", lease["target"],
                      when(lease["acquired_at"]), when(lease["expected_end"]))
    return Group(head, table)


def wait_for_safe(client: Client, target: str, timeout_s: float, *, live: bool
                  ) -> tuple[bool, dict[str, Any]]:
    """Wait until ``target`` is safe to deploy; the server wakes us on each change.

    Returns (safe, last drain status). Not safe means timeout or maintenance ended.
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
            console.print(drain_view(drain, self.target).renderables[0])
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
