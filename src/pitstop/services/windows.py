"""Windows: create, edit, pause, delete, read; and previews of rules that are not saved.

Every change that can start or stop gating takes the platform row exclusively
(:func:`pitstop.services.generation.lock_gate`): every lease admission holds that row shared
while it decides, so an admission either committed before the change (and is counted by the
drain) or sees it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.recurrence import Expander, Occurrence, RecurrenceError, Series, parse_series
from pitstop.domain.updates import carried_to
from pitstop.domain.windows import ACTIVE, PAUSED, Selector, parse_affects
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services.events import Event
from pitstop.services.generation import (
    cursor_values,
    future_occurrences,
    insert_generated,
    lock_gate,
    occurrence_event,
    occurrence_rows,
)
from pitstop.services.records import local_text, occurrence_from_row, window_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord
from pitstop.storage import audit as audit_q
from pitstop.storage import updates as updates_q
from pitstop.storage import windows as windows_q


def _series(fields: dict[str, Any]) -> Series:
    try:
        return parse_series(start_local=fields["start"], timezone=fields["timezone"],
                            duration=fields["duration"], rule=fields.get("rrule"))
    except RecurrenceError as exc:
        raise InvalidInput(str(exc), field=exc.field) from None


def _affects(raw: list[dict[str, Any]]) -> tuple[Selector, ...]:
    try:
        return parse_affects(raw)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="affects") from None


def _row_values(fields: dict[str, Any], series: Series) -> dict[str, Any]:
    return {
        "title": fields["title"], "description": fields.get("description") or "",
        "start_local": local_text(series.start_local), "timezone": fields["timezone"],
        "duration_s": int(series.duration.total_seconds()), "rrule": series.rule,
        "affects": [s.to_json() for s in _affects(fields["affects"])],
        "gates_work": fields.get("gates_work", True),
        "ready_lead_s": int(fields.get("ready_lead", timedelta(hours=1)).total_seconds()),
        "reminders": sorted({int(r.total_seconds()) for r in fields.get("reminders") or ()},
                            reverse=True),
        "public": fields.get("public", True), "status": fields.get("status", ACTIVE),
    }


def get_window(rt: Runtime, window_id: int) -> WindowRecord:
    record = rt.state.windows.get(window_id)
    if record is None:
        raise NotFound(f"window {window_id} does not exist", window=window_id)
    return record


def list_windows(rt: Runtime, *, status: str | None = None, target: str | None = None
                 ) -> list[WindowRecord]:
    out = []
    for record in sorted(rt.state.windows.values(), key=lambda w: w.id):
        if status is not None and record.status != status:
            continue
        if target is not None and record.rules.impact_on(
                target, rt.state.scope_labels(target)) is None:
            continue
        out.append(record)
    return out


def _window_audit(record: WindowRecord) -> dict[str, Any]:
    return {
        "title": record.title, "start": local_text(record.start_local),
        "timezone": record.timezone, "duration_s": int(record.duration.total_seconds()),
        "rrule": record.rrule, "affects": [s.to_json() for s in record.affects],
        "gates_work": record.gates_work, "ready_lead_s": int(record.ready_lead.total_seconds()),
        "public": record.public, "status": record.status,
    }


async def _generate(conn: AsyncConnection, rt: Runtime, record: WindowRecord, now: datetime
                    ) -> tuple[list[OccurrenceRecord], WindowRecord]:
    """The first occurrences of a new or re-timed window, and the window with its cursor."""
    expander = Expander(record.series)
    # A one-time window has its one occurrence however far ahead; a series, the horizon's.
    horizon = now + timedelta(days=rt.settings.window_horizon_days) if record.rrule \
        else datetime.max.replace(tzinfo=UTC)
    occs = future_occurrences(expander, horizon, now)
    if not occs:
        nxt = expander.peek()
        while nxt is not None and nxt.end <= now:  # skip the past to find the next one
            expander.until(nxt.start + timedelta(microseconds=1))
            nxt = expander.peek()
        if nxt is None:
            what = "start and duration put the window" if record.rrule is None else \
                "every occurrence of the rule is"
            raise InvalidInput(f"{what} in the past; nothing would ever happen. Give a "
                               "future start" + (" or extend UNTIL/COUNT" if record.rrule
                                                 else ""),
                               field="rrule" if record.rrule else "start")
    inserted = await insert_generated(conn, occurrence_rows(record, occs, now))
    await windows_q.save_cursors(conn=conn, cursors=[cursor_values(record, expander)])
    fresh = await windows_q.get_window(conn=conn, window_id=record.id)
    assert fresh is not None
    return inserted, window_from_row(fresh)


async def create_window(*, rt: Runtime, fields: dict[str, Any], actor: str) -> WindowRecord:
    """Save a window and generate its occurrences within the horizon. A one-time window has
    exactly one; one created inside its lead time is READY, after its start ONGOING."""
    series = _series(fields)
    now = clock.now()
    values = _row_values(fields, series)
    events: list[Event] = []
    async with rt.db.write() as conn:
        await lock_gate(conn)
        window_id = await windows_q.insert_window(conn=conn, values={
            **values, "created_at": now, "created_by": actor, "updated_at": now,
            "version": 1, "cursor_local": None, "cursor_generated": 0, "exhausted": False})
        row = await windows_q.get_window(conn=conn, window_id=window_id)
        assert row is not None
        inserted, record = await _generate(conn, rt, window_from_row(row), now)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="window.created",
                                   target=f"window:{window_id}", reason=None,
                                   details={"after": _window_audit(record)})
        events.append(Event("window.created", f"window:{window_id}", now,
                            {"window": window_id}, record))
        events.extend(occurrence_event("occurrence.created", o, now) for o in inserted)
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    return record


def _merged(current: WindowRecord, changes: dict[str, Any]) -> dict[str, Any]:
    """The window's fields with ``changes`` applied, in the form create takes."""
    return {
        "title": current.title, "description": current.description,
        "start": current.start_local, "timezone": current.timezone,
        "duration": current.duration, "rrule": current.rrule,
        "affects": [s.to_json() for s in current.affects], "gates_work": current.gates_work,
        "ready_lead": current.ready_lead, "reminders": list(current.reminders),
        "public": current.public, "status": current.status, **changes,
    }


def _timing(values: dict[str, Any]) -> tuple[Any, ...]:
    return values["start_local"], values["timezone"], values["duration_s"], values["rrule"]


async def _retime(conn: AsyncConnection, rt: Runtime, record: WindowRecord, now: datetime
                  ) -> tuple[list[OccurrenceRecord], list[OccurrenceRecord], WindowRecord]:
    """Replace the occurrences that have not started with the new timing's. Returns the
    replaced ones, the generated ones and the window with its new cursor."""
    kept = await updates_q.take_unstarted_updates(conn=conn, window_id=record.id, now=now)
    replaced = [occurrence_from_row({**gone, "deleted": True, "version": gone["version"] + 1})
                for gone in await windows_q.delete_unstarted(conn=conn, window_id=record.id,
                                                             now=now)]
    inserted, record = await _generate(conn, rt, record, now)
    await _carry_updates(conn, kept, inserted)
    return replaced, inserted, record


async def _carry_updates(conn: AsyncConnection, kept: list[Any],
                         inserted: list[OccurrenceRecord]) -> None:
    """Updates posted to a replaced occurrence go on with the occurrence that replaces it
    (domain.updates.carried_to); with nothing to replace it, they are gone from the page,
    but the audit keeps each one's text (``update.posted``)."""
    new = [(o.id, o.times.recurrence_id, o.times.start) for o in inserted]
    rows = []
    for row in kept:
        target = carried_to(row["recurrence_id"], row["occurrence_start"], new)
        if target is not None:
            rows.append({k: row[k] for k in updates_q.COLUMNS} | {"occurrence_id": target})
    await updates_q.insert_updates(conn=conn, rows=rows)


async def update_window(*, rt: Runtime, window_id: int, changes: dict[str, Any], actor: str
                        ) -> WindowRecord:
    """Edit a window. Changing its timing, rule or duration replaces its SCHEDULED and READY
    occurrences that have not started; ONGOING, COMPLETED and CANCELLED ones, and deleted
    ones, stay as they are (so no old slot is generated twice)."""
    current, now = get_window(rt, window_id), clock.now()
    values = _row_values(merged := _merged(current, changes), _series(merged))
    retimed = _timing(values) != _timing(_row_values(_merged(current, {}), current.series))
    if retimed:
        values.update(cursor_local=None, cursor_generated=0, exhausted=False)
    async with rt.db.write() as conn:
        await lock_gate(conn)
        if not await windows_q.update_window(conn=conn, window_id=window_id,
                                             expected_version=current.version,
                                             values={**values, "updated_at": now}):
            raise Conflict(f"window {window_id} changed while this edit was made; read it "
                           "again and retry", window=window_id)
        fresh = await windows_q.get_window(conn=conn, window_id=window_id)
        assert fresh is not None
        replaced, inserted, record = await _retime(conn, rt, window_from_row(fresh), now) \
            if retimed else ([], [], window_from_row(fresh))
        action = _update_action(current, record, changes)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action=action, target=f"window:{window_id}",
            reason=None, details={"before": _window_audit(current),
                                  "after": _window_audit(record),
                                  "replaced_occurrences": len(replaced)})
        events = await rt.eventlog.record(conn, [
            Event("window.updated", f"window:{window_id}", now,
                  {"window": window_id, "action": action}, record),
            *(occurrence_event("occurrence.deleted", o, now, replaced=True) for o in replaced),
            *(occurrence_event("occurrence.created", o, now) for o in inserted),
        ])
    rt.publish(events)
    return record


def _update_action(before: WindowRecord, after: WindowRecord, changes: dict[str, Any]) -> str:
    if changes.keys() == {"status"} and before.status != after.status:
        return "window.paused" if after.status == PAUSED else "window.resumed"
    return "window.updated"


async def delete_window(*, rt: Runtime, window_id: int, actor: str) -> None:
    """Delete a window and all its occurrences (the audit history keeps what they were)."""
    now = clock.now()
    async with rt.db.write() as conn:
        await lock_gate(conn)
        row = await windows_q.get_window(conn=conn, window_id=window_id, lock=True)
        if row is None:
            raise NotFound(f"window {window_id} does not exist", window=window_id)
        record = window_from_row(row)
        await windows_q.delete_window(conn=conn, window_id=window_id)
        events = await rt.eventlog.record_change(
            conn, Event("window.deleted", f"window:{window_id}", now, {"window": window_id},
                        record), actor=actor, details={"before": _window_audit(record)})
    rt.horizon.expanders.pop(window_id, None)
    rt.publish(events)


def upcoming_of(rt: Runtime, window_id: int) -> list[OccurrenceRecord]:
    """The window's live occurrences (not ended), from memory, in start order."""
    return sorted((o for o in rt.state.occurrences.values() if o.times.window_id == window_id),
                  key=lambda o: (o.times.start, o.id))


def preview(fields: dict[str, Any], count: int, now: datetime) -> tuple[Series, list[Occurrence]]:
    """The next ``count`` occurrences of a rule that is not saved (ending after ``now``)."""
    series = _series(fields)
    occs = series.preview(count, after=now)
    if not occs:
        raise InvalidInput("the rule yields no occurrence after now: check UNTIL, COUNT and "
                           "the start", field="rrule" if series.rule else "start")
    return series, occs

