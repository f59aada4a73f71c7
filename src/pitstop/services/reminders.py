"""Reminders: each of a window's lead times ("P1D", "PT1H") before each occurrence's start.

An occurrence remembers the smallest lead it was reminded at (``reminded_lead_s``), so every
reminder goes out once. When several are due at once — after downtime, or for an occurrence
created or moved inside its lead times — only the nearest to the start goes out ("starts in
1 hour", not also "in 1 day"): an occurrence created inside its lead time gets its reminder at
once. Nothing is sent for an occurrence that has started.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.services.events import Event
from pitstop.services.generation import occurrence_event
from pitstop.services.records import occurrence_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import WindowRecord
from pitstop.storage import windows as windows_q


def due_lead(start: datetime, leads: tuple[timedelta, ...], reminded_s: int | None,
             now: datetime) -> int | None:
    """The lead (seconds) to remind at now: the smallest lead already reached that is
    smaller than the one sent last; None when nothing is due."""
    reached = [int(lead.total_seconds()) for lead in leads if start - lead <= now]
    due = [s for s in reached if reminded_s is None or s < reminded_s]
    return min(due) if due else None


def reminder_times(rt: Runtime) -> list[datetime]:
    """Every reminder time of the live, unstarted occurrences, from the snapshot."""
    out = []
    for occ in rt.state.occurrences.values():
        window = rt.state.windows.get(occ.times.window_id)
        if window is not None and window.reminders and str(occ.times.status) in (
                "SCHEDULED", "READY"):
            out.extend(occ.times.start - lead for lead in window.reminders)
    return out


def next_reminder_due(rt: Runtime, now: datetime) -> datetime | None:
    return min((t for t in reminder_times(rt) if t > now), default=None)


def needs_check(rt: Runtime, now: datetime, full: bool) -> bool:
    clock = rt.reminders
    if full or clock.dirty or clock.checked_at is None:
        return True
    return any(clock.checked_at < t <= now for t in reminder_times(rt))


async def send_reminders(*, rt: Runtime, now: datetime) -> int:
    """Record a reminder event for every occurrence with a reminder due; the event log
    writes the notifications to the outbox in the same transaction."""
    rt.reminders.dirty = False
    windows = {wid: w for wid, w in rt.state.windows.items() if w.reminders}
    longest = max((lead for w in windows.values() for lead in w.reminders), default=None)
    if longest is None:
        rt.reminders.checked_at = now
        return 0
    async with rt.db.write() as conn:
        events = []
        for row in await windows_q.reminder_candidates(conn=conn, now=now,
                                                       until=now + longest):
            event = await _remind(conn, row, windows.get(row["window_id"]), now)
            if event is not None:
                events.append(event)
        events = await rt.eventlog.record(conn, events)
    rt.reminders.checked_at = now
    rt.publish(events)
    return len(events)


async def _remind(conn: AsyncConnection, row: RowMapping, window: WindowRecord | None, now: datetime
                  ) -> Event | None:
    if window is None:
        return None
    lead_s = due_lead(row["start"], window.reminders, row["reminded_lead_s"], now)
    if lead_s is None or not await windows_q.mark_reminded(
            conn=conn, occurrence_id=row["id"], start=row["start"], lead_s=lead_s):
        return None
    return occurrence_event("occurrence.reminder", occurrence_from_row(row), now,
                            lead_s=lead_s, start=row["start"])
