"""Occurrences: reading them (stored, and projected beyond the horizon), and completing,
cancelling, moving or deleting one by hand through the lifecycle's table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.lifecycle import Slot, Status, transition
from pitstop.domain.recurrence import Occurrence, localise
from pitstop.domain.windows import PAUSED
from pitstop.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from pitstop.services.generation import first_status, lock_gate, occurrence_event
from pitstop.services.records import iso_z, occurrence_from_row, window_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord
from pitstop.services.windows import get_window
from pitstop.storage import audit as audit_q
from pitstop.storage import windows as windows_q


def projected(record: WindowRecord, start_from: datetime, start_before: datetime,
              limit: int) -> list[Occurrence]:
    """Occurrences the rule will generate after the refresher's cursor (not stored yet)."""
    if record.rrule is None or record.exhausted:
        return []
    out = []
    for local, _ in record.series.local_starts(record.cursor):
        occ = record.series.occurrence(local)
        if occ.start >= start_before or len(out) >= limit:
            break
        if occ.end > start_from:
            out.append(occ)
    return out


async def window_occurrences(
    rt: Runtime, window_id: int, *, start_from: datetime | None, start_before: datetime | None,
    status: str | None = None, include_projected: bool = False, limit: int = 500,
) -> tuple[list[OccurrenceRecord], list[Occurrence]]:
    """Stored occurrences of a window overlapping the range, and with ``include_projected``
    those the rule will add beyond the generated horizon."""
    record = get_window(rt, window_id)
    async with rt.db.read() as conn:
        rows = await windows_q.window_occurrences(
            conn=conn, window_id=window_id, start_from=start_from, start_before=start_before,
            status=status, limit=limit)
    stored = [occurrence_from_row(r) for r in rows]
    extra: list[Occurrence] = []
    if include_projected and status in (None, str(Status.SCHEDULED)) and start_before:
        known = {o.times.recurrence_id for o in stored}
        extra = [o for o in projected(record, start_from or clock.now(), start_before,
                                      limit - len(stored)) if o.recurrence_id not in known]
    return stored, extra


async def all_occurrences(
    rt: Runtime, *, start_from: datetime | None, start_before: datetime | None,
    status: str | None, limit: int,
) -> list[OccurrenceRecord]:
    async with rt.db.read() as conn:
        rows = await windows_q.window_occurrences(
            conn=conn, start_from=start_from, start_before=start_before, status=status,
            limit=limit)
    return [occurrence_from_row(r) for r in rows]


async def _locked_occurrence(conn: AsyncConnection, window_id: int, occurrence_id: int
                             ) -> tuple[WindowRecord, OccurrenceRecord]:
    window = await windows_q.get_window(conn=conn, window_id=window_id)
    row = await windows_q.get_occurrence(conn=conn, occurrence_id=occurrence_id, lock=True)
    if window is None:
        raise NotFound(f"window {window_id} does not exist", window=window_id)
    if row is None or row["window_id"] != window_id or row["deleted"]:
        raise NotFound(f"window {window_id} has no occurrence {occurrence_id}",
                       window=window_id, occurrence=occurrence_id)
    return window_from_row(window), occurrence_from_row(row)


def _as_instant(at: datetime, window: WindowRecord) -> datetime:
    """An occurrence time from a request: with an offset as given, without one as a wall
    time in the window's zone."""
    if at.tzinfo is None:
        return localise(at, window.series.tz)
    return at


def _check_change(status: str | None, start: datetime | None, end: datetime | None) -> None:
    """A request either sets a status (COMPLETED or CANCELLED) or moves (start and end)."""
    if status is not None and (start is not None or end is not None):
        raise InvalidInput("change the status or the times, not both in one request",
                           field="status")
    if status is None and (start is None) != (end is None):
        raise InvalidInput("moving an occurrence takes both start and end",
                           field="end" if end is None else "start")
    if status is None and start is None:
        raise InvalidInput("give a status (COMPLETED or CANCELLED) or a new start and end",
                           field="status")
    if status is not None and status not in (Status.COMPLETED, Status.CANCELLED):
        raise InvalidInput(f"status can be set to COMPLETED or CANCELLED by hand (got "
                           f"{status}); the others follow from the times", field="status")


def _moved(slot: Slot, window: WindowRecord, start: datetime, end: datetime, now: datetime
           ) -> Slot:
    """The slot at its new times, its status recomputed from them (it keeps its recurrence
    id; its reminders follow from the new start)."""
    start, end = _as_instant(start, window), _as_instant(end, window)
    if slot.status not in (Status.SCHEDULED, Status.READY):
        raise InvalidTransition(f"only a SCHEDULED or READY occurrence can be moved; this one "
                                f"is {slot.status}", current=str(slot.status))
    if end <= start:
        raise InvalidInput(f"end {iso_z(end)} is not after start {iso_z(start)}", field="end")
    if end <= now:
        raise InvalidInput(f"end {iso_z(end)} is in the past; an occurrence can only be moved "
                           "to a time that has not ended", field="end")
    moved = Slot(slot.status, start, end, window.ready_lead)
    return Slot(first_status(moved, window.status == PAUSED, now), start, end,
                window.ready_lead)


async def change_occurrence(
    *, rt: Runtime, window_id: int, occurrence_id: int, actor: str,
    status: str | None = None, start: datetime | None = None, end: datetime | None = None,
) -> OccurrenceRecord:
    """Complete or cancel (through the lifecycle's table), or move, one occurrence."""
    _check_change(status, start, end)
    now = clock.now()
    async with rt.db.write() as conn:
        await lock_gate(conn)
        window, occ = await _locked_occurrence(conn, window_id, occurrence_id)
        slot = occ.times.slot(window.rules)
        if status is not None:
            after, action = transition(slot, Status(status), now), f"occurrence.{status.lower()}"
        else:
            assert start is not None and end is not None
            after, action = _moved(slot, window, start, end, now), "occurrence.moved"
        moved = {"reminded_lead_s": None} if status is None else {}  # remind anew
        updated = await windows_q.update_occurrence(
            conn=conn, occurrence_id=occurrence_id, expected_version=occ.version,
            values={"status": str(after.status), "start": after.start, "end": after.end,
                    "updated_at": now, **moved})
        if updated is None:
            raise Conflict(f"occurrence {occurrence_id} changed meanwhile; retry",
                           occurrence=occurrence_id)
        record = occurrence_from_row(updated)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action=action, target=f"window:{window_id}",
            reason=None, details={"occurrence": occurrence_id, "before": _occurrence_audit(occ),
                                  "after": _occurrence_audit(record)})
        kind = "occurrence.moved" if status is None else "occurrence.transitioned"
        events = await rt.eventlog.record(conn, [occurrence_event(
            kind, record, now, previous=str(occ.times.status), late=False, actor=actor,
            was_start=occ.times.start, was_end=occ.times.end)])
    rt.publish(events)
    return record


def _occurrence_audit(occ: OccurrenceRecord) -> dict[str, Any]:
    t = occ.times
    return {"status": str(t.status), "start": iso_z(t.start), "end": iso_z(t.end),
            "recurrence_id": iso_z(t.recurrence_id)}


async def delete_occurrence(*, rt: Runtime, window_id: int, occurrence_id: int, actor: str
                            ) -> None:
    """Delete one occurrence, leaving a tombstone so it is never generated again."""
    now = clock.now()
    async with rt.db.write() as conn:
        await lock_gate(conn)
        _, occ = await _locked_occurrence(conn, window_id, occurrence_id)
        updated = await windows_q.update_occurrence(
            conn=conn, occurrence_id=occurrence_id, expected_version=occ.version,
            values={"deleted": True, "updated_at": now})
        if updated is None:
            raise Conflict(f"occurrence {occurrence_id} changed meanwhile; retry",
                           occurrence=occurrence_id)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action="occurrence.deleted",
            target=f"window:{window_id}", reason=None,
            details={"occurrence": occurrence_id, "before": _occurrence_audit(occ)})
        events = await rt.eventlog.record(conn, [occurrence_event(
            "occurrence.deleted", occurrence_from_row(updated), now)])
    rt.publish(events)

