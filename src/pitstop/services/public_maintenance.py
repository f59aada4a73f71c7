"""Maintenance as the public may read it, both kinds: occurrences of public windows, and
switch-based maintenance of the platform and of services (nodes are never public).

A switch-based maintenance is one period from the moment its switch went on to the moment
it went off, however many holders joined and left in between; it is derived from the audit
history (storage/public.py). Its public text is the newest public message a holder gave
while it lasted, or the neutral text; an operator's reason never leaves here. The status
page's past maintenance and the RSS and Atom feeds are read from this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pitstop.domain.lifecycle import Status
from pitstop.domain.state import NEUTRAL_PUBLIC_TEXT
from pitstop.domain.switches import Switch, live
from pitstop.domain.targets import PLATFORM
from pitstop.domain.windows import in_progress, parse_affects
from pitstop.services.runtime import Runtime
from pitstop.services.service_status import require_service
from pitstop.services.snapshot import OccurrenceRecord, Snapshot, WindowRecord
from pitstop.storage import public as public_q

ENDED = ("COMPLETED", "CANCELLED")


@dataclass(frozen=True, slots=True)
class PublicMaintenance:
    """One maintenance as the public sees it."""

    key: str  # stable from announcement to history: "occurrence-17", "maintenance-42"
    kind: str  # "window" or "switch"
    title: str  # the window's title, or the public message (the neutral text without one)
    description: str
    start: datetime
    end: datetime | None  # None: a switch-based maintenance on now, with no end set
    status: str  # SCHEDULED, READY, ONGOING, COMPLETED or CANCELLED
    affects: tuple[Mapping[str, str], ...]  # {"what": "api" | "platform" | "env=prod", "impact"}
    updated: datetime  # its last change the public can see

    @property
    def duration(self) -> timedelta | None:
        return None if self.end is None else self.end - self.start


@dataclass(frozen=True, slots=True)
class Scope:
    """What one feed or page covers: switch-based maintenance of ``targets`` and occurrences
    of ``window_ids`` (None: every public target, every public window)."""

    targets: tuple[str, ...] | None = None
    window_ids: tuple[int, ...] | None = None
    service: str | None = None


def scope_of(state: Snapshot, service: str | None) -> Scope:
    """Everything public, or what reaches one service: its own switch, the platform's, and
    the public windows whose selectors match it (by id, by labels, or through the platform).
    An unknown service is NotFound, a malformed name InvalidInput."""
    if service is None:
        return Scope()
    record = require_service(state, service)
    labels = state.scope_labels(record.id)
    windows = tuple(w.id for w in state.windows.values()
                    if w.public and w.rules.impact_on(record.id, labels) is not None)
    return Scope((PLATFORM, record.id), windows, record.name)


def affects_text(affects: Any) -> tuple[dict[str, str], ...]:
    """A window's selectors as the public reads them (``service:`` dropped)."""
    out = []
    for sel in affects if not isinstance(affects, list) else parse_affects(affects):
        what = sel.target if sel.target is not None else ", ".join(
            f"{k}={v}" for k, v in sel.labels or ())
        out.append({"what": what.removeprefix("service:"), "impact": str(sel.impact)})
    return tuple(out)


def duration_text(span: timedelta) -> str:
    """``2 d 3 h``, ``1 h 30 min``, ``45 min``, ``20 s``: two units at most, none empty."""
    s = max(0, round(span.total_seconds()))
    d, h, m, sec = s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60
    units = [(d, "d"), (h, "h"), (m, "min"), (sec, "s")]
    first = next((i for i, (v, _) in enumerate(units) if v), len(units) - 1)
    return " ".join(f"{v} {u}" for v, u in units[first:first + 2] if v) or "0 s"


# An ended switch maintenance nobody gave a public message: "in progress" would be untrue.
PAST_NEUTRAL_TEXT = "Maintenance"


def _shown_message(row: Mapping[str, Any]) -> str | None:
    """The public message the page showed after this audit row (before it, for an exit:
    after an exit nothing is shown)."""
    details = row["details"] or {}
    switch = details.get("before" if row["action"] == public_q.EXITED else "after") or {}
    return switch.get("public_message") if isinstance(switch, dict) else None


def _switch_item(rows: Sequence[Mapping[str, Any]], now_switch: Switch | None
                 ) -> PublicMaintenance:
    """A switch-based maintenance from its audit rows (first: the one that began it)."""
    first, last = rows[0], rows[-1]
    ended = last["action"] == public_q.EXITED
    shown = [m for m in map(_shown_message, rows) if m]
    message = (now_switch.public_message if now_switch else None) or \
        (shown[-1] if shown else NEUTRAL_PUBLIC_TEXT if not ended else PAST_NEUTRAL_TEXT)
    target = str(first["target"])
    return PublicMaintenance(
        key=f"maintenance-{first['id']}", kind="switch", title=message, description="",
        start=first["at"], end=last["at"] if ended else (
            now_switch.expires_at if now_switch else None),
        status="COMPLETED" if ended else "ONGOING",
        affects=({"what": target.removeprefix("service:"), "impact": "MAINTENANCE"},),
        updated=max(r["at"] for r in rows))


def _past_window_item(row: Mapping[str, Any]) -> PublicMaintenance:
    # An occurrence over by its times whose transition is not recorded yet reads as done.
    status = row["status"] if row["status"] in ENDED else "COMPLETED"
    return PublicMaintenance(
        key=f"occurrence-{row['id']}", kind="window", title=row["title"],
        description=row["description"], start=row["start"], end=row["end"], status=status,
        affects=affects_text(row["affects"]),
        updated=max(row["updated_at"], row["window_updated_at"]))


async def past_maintenance(rt: Runtime, now: datetime, *, since: datetime | None,
                           until: datetime | None, limit: int, offset: int = 0,
                           scope: Scope = Scope(), ended_since: datetime | None = None
                           ) -> list[PublicMaintenance]:
    """Maintenance of both kinds that is over, starting in [since, until) (and ending at or
    after ``ended_since``), newest first."""
    async with rt.db.read() as conn:
        rows = await public_q.past_maintenance(
            conn=conn, now=now, since=since, until=until, limit=limit, offset=offset,
            targets=scope.targets, window_ids=scope.window_ids, ended_since=ended_since)
        occs = await public_q.occurrences_with_windows(
            conn=conn, ids=[r["ref"] for r in rows if r["kind"] == "window"])
        switches = await public_q.switch_rows(
            conn=conn, starts=[r["ref"] for r in rows if r["kind"] == "switch"])
    items = []
    for row in rows:  # a window deleted between the two reads takes its occurrences along
        if row["kind"] == "window" and row["ref"] in occs:
            items.append(_past_window_item(occs[row["ref"]]))
        elif row["kind"] == "switch":
            items.append(_switch_item(switches[row["ref"]], None))
    return items


def _live_window_item(occ: OccurrenceRecord, window: WindowRecord, ongoing: bool
                      ) -> PublicMaintenance:
    t = occ.times
    return PublicMaintenance(
        key=f"occurrence-{t.id}", kind="window", title=window.title,
        description=window.description, start=t.start, end=t.end,
        status="ONGOING" if ongoing else str(t.status), affects=affects_text(window.affects),
        updated=max(occ.updated_at, window.updated_at))


def _live_windows(state: Snapshot, now: datetime, scope: Scope
                  ) -> tuple[list[PublicMaintenance], list[PublicMaintenance]]:
    wanted = None if scope.window_ids is None else set(scope.window_ids)
    ongoing, upcoming = [], []
    for occ in state.occurrences.values():
        window = state.windows.get(occ.times.window_id)
        if occ.deleted or window is None or not window.public or (
                wanted is not None and window.id not in wanted):
            continue
        if in_progress(occ.times, window.rules, now):
            ongoing.append(_live_window_item(occ, window, True))
        elif occ.times.start > now and occ.times.status in (Status.SCHEDULED, Status.READY):
            upcoming.append(_live_window_item(occ, window, False))
    return ongoing, upcoming


def _public_switches(state: Snapshot, now: datetime, scope: Scope) -> dict[str, Switch]:
    on = {target: s for target, sw in state.switches().items()
          if (s := live(sw, now)) is not None}
    if scope.targets is not None:
        return {t: s for t, s in on.items() if t in scope.targets}
    return {t: s for t, s in on.items() if t == PLATFORM or t.startswith("service:")}


async def current_maintenance(rt: Runtime, now: datetime, *, scope: Scope = Scope()
                              ) -> tuple[list[PublicMaintenance], list[PublicMaintenance]]:
    """Public maintenance in progress (both kinds) and planned (occurrences not started),
    each in order of start."""
    state = rt.state
    ongoing, upcoming = _live_windows(state, now, scope)
    switches = _public_switches(state, now, scope)
    if switches:
        async with rt.db.read() as conn:
            began = await public_q.last_entered(conn=conn, targets=sorted(switches))
            rows = await public_q.switch_rows(conn=conn, starts=list(began.values()))
        # A switch is always entered through an audited use case; one the snapshot has on
        # but the audit shows off (a change committed between the two reads) is skipped.
        ongoing += [_switch_item(rows[began[t]], s) for t, s in switches.items()
                    if t in began and rows[began[t]][-1]["action"] != public_q.EXITED]
    return _by_start(ongoing), _by_start(upcoming)


def _by_start(items: Iterable[PublicMaintenance]) -> list[PublicMaintenance]:
    return sorted(items, key=lambda m: (m.start, m.key))
