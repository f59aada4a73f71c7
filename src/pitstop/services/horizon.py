"""The scheduler's work on windows: generating occurrences as the horizon moves, and moving
each occurrence through the lifecycle when its boundary comes (catching up after downtime)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.domain.lifecycle import Status
from pitstop.domain.windows import PAUSED, due_steps
from pitstop.services.events import Event
from pitstop.services.generation import (
    cursor_values,
    future_occurrences,
    insert_generated,
    lock_gate,
    occurrence_event,
    occurrence_rows,
)
from pitstop.services.records import iso_z, occurrence_from_row, window_from_row
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage import windows as windows_q

SYSTEM = "system"


def next_horizon_due(rt: Runtime) -> datetime | None:
    """When the horizon next moves past an occurrence not generated yet."""
    horizon = rt.horizon
    gen = rt.state.windows_generation
    if horizon.due is not None and horizon.due[0] == gen:
        return horizon.due[1]
    span = timedelta(days=rt.settings.window_horizon_days)
    due = None
    for record in rt.state.windows.values():
        if record.rrule is None or record.exhausted:
            continue
        nxt = horizon.expander(record).peek()
        if nxt is not None and (due is None or nxt.start - span < due):
            due = nxt.start - span
    horizon.due = (gen, due)
    return due


async def refresh_horizon(*, rt: Runtime, now: datetime) -> int:
    """Generate every occurrence that has come within the horizon, continuing each window's
    expansion where it stopped. Occurrences that exist already — moved, cancelled or deleted
    ones included — are skipped by the (window, recurrence id) constraint."""
    until = now + timedelta(days=rt.settings.window_horizon_days)
    due = [(record, horizon_exp) for record in rt.state.windows.values()
           if record.rrule is not None and not record.exhausted
           and (nxt := (horizon_exp := rt.horizon.expander(record)).peek()) is not None
           and nxt.start < until]
    if not due:
        return 0
    rows = {record.id: occurrence_rows(record, future_occurrences(exp, until, now), now)
            for record, exp in due}
    cursors = [cursor_values(record, exp) for record, exp in due]
    try:
        async with rt.db.write() as conn:
            saved = await windows_q.save_cursors(conn=conn, cursors=cursors)
            inserted = await insert_generated(
                conn, [row for wid in saved for row in rows[wid]])
            events = await rt.eventlog.record(
                conn, [occurrence_event("occurrence.created", occ, now) for occ in inserted])
    except BaseException:
        for record, _ in due:  # the expanders ran ahead of what was stored
            rt.horizon.expanders.pop(record.id, None)
        raise
    for record, exp in due:
        if record.id in saved:
            rt.state.set_cursor(record.id, record.version, exp.cursor, exp.peek() is None)
        else:  # edited or deleted meanwhile: rebuild from what is stored next time
            rt.horizon.expanders.pop(record.id, None)
    rt.horizon.due = None
    rt.publish(events)
    return len(inserted)


async def advance_occurrences(*, rt: Runtime, now: datetime) -> int:
    """Bring every occurrence whose boundary has come to the status its times say.

    Each skipped step (after downtime) is recorded in the history, marked late; one event is
    published per occurrence, for the state it is in now, so nothing announces a state that
    has already passed.
    """
    # Anything due starts by now + its window's ready lead: look no further than that.
    lead = max((w.ready_lead for w in rt.state.windows.values()), default=timedelta(0))
    due = [occ for occ, rules in rt.state.started_by(now + lead) if due_steps(occ, rules, now)]
    if not due:
        return 0
    events: list[Event] = []
    stale: list[int] = []  # in memory but changed or gone in the database (another replica)
    async with rt.db.write() as conn:
        await lock_gate(conn)
        for occ in due:
            event = await _advance_one(conn, occ.window_id, occ.id, now, rt.metrics)
            if event is None:
                stale.append(occ.id)
            else:
                events.append(event)
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    if stale:
        await _reload_occurrences(rt, stale)
    return len(events)


async def _advance_one(conn: AsyncConnection, window_id: int, occurrence_id: int,
                       now: datetime, rt_metrics: Any) -> Event | None:
    """Advance one occurrence as stored (the conditional update makes a second worker's
    attempt a no-op); None when there was nothing to do."""
    window_row = await windows_q.get_window(conn=conn, window_id=window_id)
    row = await windows_q.get_occurrence(conn=conn, occurrence_id=occurrence_id, lock=True)
    if window_row is None or row is None or row["deleted"]:
        return None
    window, stored = window_from_row(window_row), occurrence_from_row(row)
    steps = due_steps(stored.times, window.rules, now)
    if not steps or (updated := await windows_q.update_occurrence(
            conn=conn, occurrence_id=occurrence_id, expected_version=stored.version,
            values={"status": str(steps[-1].to), "updated_at": now})) is None:
        return None
    for step in steps:
        skipped = window.status == PAUSED and step.to is Status.CANCELLED
        await audit_q.append_audit(
            conn=conn, at=now, actor=SYSTEM, action=f"occurrence.{step.to.lower()}",
            target=f"window:{window_id}",
            reason="the window was paused; this occurrence did not run" if skipped else None,
            details={"occurrence": occurrence_id, "from": str(step.from_), "to": str(step.to),
                     "boundary": iso_z(step.at), "late": step.late})
    rt_metrics.scheduler_lateness.observe(max(0.0, (now - steps[-1].at).total_seconds()))
    return occurrence_event(
        "occurrence.transitioned", occurrence_from_row(updated), now,
        previous=str(stored.times.status), late=steps[-1].late, actor=SYSTEM,
        skipped=[str(s.to) for s in steps[:-1]])


async def _reload_occurrences(rt: Runtime, ids: list[int]) -> None:
    """Replace what memory holds about ``ids`` with what the database has."""
    async with rt.db.read() as conn:
        rows = {i: await windows_q.get_occurrence(conn=conn, occurrence_id=i) for i in ids}
    for occ_id, row in rows.items():
        if row is None or rt.state.windows.get(row["window_id"]) is None:
            rt.state.occurrences.pop(occ_id, None)
            rt.state.windows_changed()
        else:
            record = occurrence_from_row(row)
            rt.state.occurrences.pop(occ_id, None)
            rt.state.put_occurrence(record)
    rt.state.notify()

