"""Windows and occurrences: create, edit, pause, delete; manual moves; the horizon refresh and
the transitions the scheduler makes.

Every change that can start or stop gating takes the platform row exclusively (see
:func:`_lock_gate`): every lease admission holds that row shared while it decides, so an
admission either committed before the change (and is counted by the drain) or sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.lifecycle import Slot, Status, initial_status, transition
from pitstop.domain.recurrence import (
    Expander,
    Occurrence,
    RecurrenceError,
    Series,
    localise,
    parse_series,
)
from pitstop.domain.targets import PLATFORM
from pitstop.domain.windows import (
    ACTIVE,
    PAUSED,
    Selector,
    due_steps,
    parse_affects,
)
from pitstop.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from pitstop.services.events import Event
from pitstop.services.records import (
    iso_z,
    local_text,
    occurrence_from_row,
    window_from_row,
)
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord
from pitstop.storage import audit as audit_q
from pitstop.storage import targets as targets_q
from pitstop.storage import windows as windows_q

SYSTEM = "system"
TIMING = frozenset({"start", "timezone", "duration", "rrule"})
MAX_GENERATED = 5_000  # per window per refresh: an hourly rule over a long horizon, at most


@dataclass
class Horizon:
    """The horizon refresher's memory: one resumable expander per recurring window, kept
    between refreshes so a refresh costs only what it adds (rebuilt from the stored cursor
    after a restart or an edit)."""

    expanders: dict[int, tuple[int, Expander]] = field(default_factory=dict)
    due: tuple[int, datetime | None] | None = None  # (windows_generation, next due)

    def expander(self, record: WindowRecord) -> Expander:
        cached = self.expanders.get(record.id)
        if cached is None or cached[0] != record.version:
            cached = (record.version, Expander(record.series, record.cursor))
            self.expanders[record.id] = cached
        return cached[1]


# -- input ------------------------------------------------------------------------------------

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


# -- reads ------------------------------------------------------------------------------------

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


# -- writes -----------------------------------------------------------------------------------

async def _lock_gate(conn: AsyncConnection) -> None:
    """Serialize with every lease admission (they hold the platform row shared)."""
    await targets_q.lock_targets(conn=conn, ids=(PLATFORM,), exclusive=True)


def _window_audit(record: WindowRecord) -> dict[str, Any]:
    return {
        "title": record.title, "start": local_text(record.start_local),
        "timezone": record.timezone, "duration_s": int(record.duration.total_seconds()),
        "rrule": record.rrule, "affects": [s.to_json() for s in record.affects],
        "gates_work": record.gates_work, "ready_lead_s": int(record.ready_lead.total_seconds()),
        "public": record.public, "status": record.status,
    }


def _first_status(slot: Slot, paused: bool, now: datetime) -> Status:
    """A new occurrence starts where its times put it; a paused window's does not start."""
    status = initial_status(slot, now)
    if paused and status is Status.ONGOING:
        return Status.READY
    return status


def _future(expander: Expander, until: datetime, now: datetime) -> list[Occurrence]:
    """Expand to ``until``, dropping occurrences that ended before ``now`` (a series that
    began long ago, or time the server was down): nothing is generated into the past."""
    return [occ for occ in expander.until(until) if occ.end > now][:MAX_GENERATED]


async def _insert_generated(conn: AsyncConnection, record: WindowRecord,
                            occs: Iterable[Occurrence], now: datetime) -> list[OccurrenceRecord]:
    rows = []
    for occ in occs:
        slot = Slot(Status.SCHEDULED, occ.start, occ.end, record.ready_lead)
        rows.append({"window_id": record.id, "recurrence_id": occ.recurrence_id,
                     "start": occ.start, "end": occ.end, "updated_at": now,
                     "status": str(_first_status(slot, record.status == PAUSED, now))})
    inserted = await windows_q.insert_occurrences(conn=conn, rows=rows)
    return [occurrence_from_row(r) for r in inserted]


def _occurrence_event(kind: str, record: OccurrenceRecord, now: datetime,
                      **data: Any) -> Event:
    return Event(kind, f"window:{record.times.window_id}", now,
                 {"window": record.times.window_id, "occurrence": record.id,
                  "status": str(record.times.status), **data}, record)


async def _generate(conn: AsyncConnection, rt: Runtime, record: WindowRecord, now: datetime
                    ) -> tuple[list[OccurrenceRecord], WindowRecord]:
    """The first occurrences of a new or re-timed window, and the window with its cursor."""
    expander = Expander(record.series)
    horizon = now + timedelta(days=rt.settings.window_horizon_days)
    occs = _future(expander, horizon, now)
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
    inserted = await _insert_generated(conn, record, occs, now)
    cursor, done = expander.cursor, expander.peek() is None
    await windows_q.save_cursor(
        conn=conn, window_id=record.id, version=record.version,
        cursor_local=local_text(cursor.last_local) if cursor else None,
        generated=cursor.generated if cursor else 0, exhausted=done)
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
        await _lock_gate(conn)
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
        events.extend(_occurrence_event("occurrence.created", o, now) for o in inserted)
    rt.publish(events)
    return record


async def update_window(*, rt: Runtime, window_id: int, changes: dict[str, Any], actor: str
                        ) -> WindowRecord:
    """Edit a window. Changing its timing, rule or duration replaces its SCHEDULED and READY
    occurrences that have not started; ONGOING, COMPLETED and CANCELLED ones, and deleted
    ones, stay as they are (so no old slot is generated twice)."""
    current = get_window(rt, window_id)
    now = clock.now()
    merged: dict[str, Any] = {
        "title": current.title, "description": current.description,
        "start": current.start_local, "timezone": current.timezone,
        "duration": current.duration, "rrule": current.rrule,
        "affects": [s.to_json() for s in current.affects], "gates_work": current.gates_work,
        "ready_lead": current.ready_lead, "reminders": list(current.reminders),
        "public": current.public, "status": current.status, **changes,
    }
    series = _series(merged)
    values = _row_values(merged, series)
    retimed = bool(TIMING & changes.keys()) and (
        values["start_local"], values["timezone"], values["duration_s"], values["rrule"]) != (
        local_text(current.start_local), current.timezone,
        int(current.duration.total_seconds()), current.rrule)
    events: list[Event] = []
    async with rt.db.write() as conn:
        await _lock_gate(conn)
        row = await windows_q.get_window(conn=conn, window_id=window_id, lock=True)
        if row is None:
            raise NotFound(f"window {window_id} does not exist", window=window_id)
        before = window_from_row(row)
        if retimed:
            values.update(cursor_local=None, cursor_generated=0, exhausted=False)
        if not await windows_q.update_window(conn=conn, window_id=window_id,
                                             expected_version=row["version"],
                                             values={**values, "updated_at": now}):
            raise Conflict(f"window {window_id} changed while this edit was made; retry",
                           window=window_id)
        fresh = await windows_q.get_window(conn=conn, window_id=window_id)
        assert fresh is not None
        record = window_from_row(fresh)
        replaced: list[OccurrenceRecord] = []
        inserted: list[OccurrenceRecord] = []
        if retimed:
            for gone in await windows_q.delete_unstarted(conn=conn, window_id=window_id,
                                                         now=now):
                replaced.append(occurrence_from_row({**gone, "deleted": True,
                                                     "version": gone["version"] + 1}))
            inserted, record = await _generate(conn, rt, record, now)
        action = _update_action(before, record, changes)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action=action, target=f"window:{window_id}",
            reason=None, details={"before": _window_audit(before),
                                  "after": _window_audit(record),
                                  "replaced_occurrences": len(replaced)})
        events.append(Event("window.updated", f"window:{window_id}", now,
                            {"window": window_id, "action": action}, record))
        events.extend(_occurrence_event("occurrence.deleted", o, now, replaced=True)
                      for o in replaced)
        events.extend(_occurrence_event("occurrence.created", o, now) for o in inserted)
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
        await _lock_gate(conn)
        row = await windows_q.get_window(conn=conn, window_id=window_id, lock=True)
        if row is None:
            raise NotFound(f"window {window_id} does not exist", window=window_id)
        record = window_from_row(row)
        await windows_q.delete_window(conn=conn, window_id=window_id)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="window.deleted",
                                   target=f"window:{window_id}", reason=None,
                                   details={"before": _window_audit(record)})
    rt.horizon.expanders.pop(window_id, None)
    rt.publish([Event("window.deleted", f"window:{window_id}", now, {"window": window_id},
                      record)])


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


async def change_occurrence(
    *, rt: Runtime, window_id: int, occurrence_id: int, actor: str,
    status: str | None = None, start: datetime | None = None, end: datetime | None = None,
) -> OccurrenceRecord:
    """Complete, cancel or move one occurrence by hand (through the lifecycle's table)."""
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
    now = clock.now()
    async with rt.db.write() as conn:
        await _lock_gate(conn)
        window, occ = await _locked_occurrence(conn, window_id, occurrence_id)
        times = occ.times
        slot = times.slot(window.rules)
        if status is not None:
            moved = transition(slot, Status(status), now)
            action = f"occurrence.{status.lower()}"
        else:
            assert start is not None and end is not None
            start, end = _as_instant(start, window), _as_instant(end, window)
            if times.status not in (Status.SCHEDULED, Status.READY):
                raise InvalidTransition(
                    f"only a SCHEDULED or READY occurrence can be moved; this one is "
                    f"{times.status}", current=str(times.status))
            if end <= start:
                raise InvalidInput(f"end {iso_z(end)} is not after start {iso_z(start)}",
                                   field="end")
            if end <= now:
                raise InvalidInput(f"end {iso_z(end)} is in the past; an occurrence can only "
                                   "be moved to a time that has not ended", field="end")
            moved = Slot(times.status, start, end, window.ready_lead)
            moved = Slot(_first_status(moved, window.status == PAUSED, now), start, end,
                         window.ready_lead)
            action = "occurrence.moved"
        updated = await windows_q.update_occurrence(
            conn=conn, occurrence_id=occurrence_id, expected_version=occ.version,
            values={"status": str(moved.status), "start": moved.start, "end": moved.end,
                    "updated_at": now})
        if updated is None:
            raise Conflict(f"occurrence {occurrence_id} changed meanwhile; retry",
                           occurrence=occurrence_id)
        record = occurrence_from_row(updated)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action=action, target=f"window:{window_id}",
            reason=None, details={"occurrence": occurrence_id,
                                  "before": _occurrence_audit(occ),
                                  "after": _occurrence_audit(record)})
    kind = "occurrence.moved" if status is None else "occurrence.transitioned"
    rt.publish([_occurrence_event(kind, record, now, previous=str(times.status),
                                  late=False, actor=actor)])
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
        await _lock_gate(conn)
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
    rt.publish([_occurrence_event("occurrence.deleted", occurrence_from_row(updated), now)])


# -- the scheduler's work ---------------------------------------------------------------------

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
    events: list[Event] = []
    cursors = []
    try:
        async with rt.db.write() as conn:
            for record, expander in due:
                occs = _future(expander, until, now)
                cursor = expander.cursor
                assert cursor is not None
                if not await windows_q.save_cursor(
                        conn=conn, window_id=record.id, version=record.version,
                        cursor_local=local_text(cursor.last_local),
                        generated=cursor.generated, exhausted=expander.peek() is None):
                    rt.horizon.expanders.pop(record.id, None)  # edited or deleted meanwhile
                    continue
                cursors.append((record, cursor, expander.peek() is None))
                for occ in await _insert_generated(conn, record, occs, now):
                    events.append(_occurrence_event("occurrence.created", occ, now))
    except BaseException:
        for record, _ in due:  # the expanders ran ahead of what was stored
            rt.horizon.expanders.pop(record.id, None)
        raise
    for record, cursor, done in cursors:
        rt.state.set_cursor(record.id, record.version, cursor, done)
    rt.horizon.due = None
    rt.publish(events)
    return len(events)


async def advance_occurrences(*, rt: Runtime, now: datetime) -> int:
    """Bring every occurrence whose boundary has come to the status its times say.

    Each skipped step (after downtime) is recorded in the history, marked late; one event is
    published per occurrence, for the state it is in now, so nothing announces a state that
    has already passed.
    """
    # Anything due starts by now + its window's ready lead: look no further than that.
    lead = max((w.ready_lead for w in rt.state.windows.values()), default=timedelta(0))
    due = [(occ, rules) for occ, rules in rt.state.started_by(now + lead)
           if due_steps(occ, rules, now)]
    if not due:
        return 0
    events: list[Event] = []
    stale: list[int] = []  # in memory but changed or gone in the database (another replica)
    async with rt.db.write() as conn:
        await _lock_gate(conn)
        for occ, _ in due:
            window_row = await windows_q.get_window(conn=conn, window_id=occ.window_id)
            row = await windows_q.get_occurrence(conn=conn, occurrence_id=occ.id, lock=True)
            if window_row is None or row is None or row["deleted"]:
                stale.append(occ.id)
                continue
            window, stored = window_from_row(window_row), occurrence_from_row(row)
            steps = due_steps(stored.times, window.rules, now)
            final = steps[-1] if steps else None
            updated = await windows_q.update_occurrence(
                conn=conn, occurrence_id=occ.id, expected_version=stored.version,
                values={"status": str(final.to), "updated_at": now}) if final else None
            if final is None or updated is None:
                stale.append(occ.id)
                continue
            for step in steps:
                await audit_q.append_audit(
                    conn=conn, at=now, actor=SYSTEM, action=f"occurrence.{step.to.lower()}",
                    target=f"window:{occ.window_id}",
                    reason="window paused; skipped" if window.status == PAUSED and
                    step.to is Status.CANCELLED else None,
                    details={"occurrence": occ.id, "from": str(step.from_),
                             "to": str(step.to), "boundary": iso_z(step.at),
                             "late": step.late})
            events.append(_occurrence_event(
                "occurrence.transitioned", occurrence_from_row(updated), now,
                previous=str(stored.times.status), late=final.late, actor=SYSTEM,
                skipped=[str(s.to) for s in steps[:-1]]))
    rt.publish(events)
    if stale:
        await _reload_occurrences(rt, stale)
    return len(events)


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


# -- JSON -------------------------------------------------------------------------------------

def iso_duration(span: timedelta) -> str:
    """An elapsed time as ISO 8601 (P1D, PT1H30M, PT45S)."""
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock_part = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if v)
    out = "P" + (f"{days}D" if days else "") + (f"T{clock_part}" if clock_part else "")
    return out if out != "P" else "PT0S"


def local_iso(at: datetime, window: WindowRecord) -> str:
    """An instant as wall time in the window's zone, with its offset."""
    return at.astimezone(window.series.tz).isoformat()


def occurrence_json(record: OccurrenceRecord | Occurrence, window: WindowRecord,
                    now: datetime | None = None) -> dict[str, Any]:
    """An occurrence, stored or projected (not generated yet: ``id`` null)."""
    if isinstance(record, OccurrenceRecord):
        t = record.times
        oid, status, start, end, rid = t.id, t.status, t.start, t.end, t.recurrence_id
        extra = {"updated_at": record.updated_at, "version": record.version,
                 "projected": False}
    else:
        oid, status, start, end, rid = None, Status.SCHEDULED, record.start, record.end, \
            record.recurrence_id
        extra = {"projected": True}
    return {
        "id": oid, "window": window.id, "title": window.title, "status": str(status),
        "recurrence_id": rid, "start": start, "end": end,
        "timezone": window.timezone, "start_local": local_iso(start, window),
        "end_local": local_iso(end, window),
        "moved": start != rid or (end - start != window.duration and status in (
            Status.SCHEDULED, Status.READY)),
        "paused": window.status == PAUSED and status in (Status.SCHEDULED, Status.READY),
        "ready_at": start - window.ready_lead,
        "reminders": [start - lead for lead in window.reminders],
        **extra,
    }


def window_json(record: WindowRecord, *, upcoming: list[OccurrenceRecord] | None = None
                ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.id, "title": record.title, "description": record.description,
        "start": local_text(record.start_local), "timezone": record.timezone,
        "duration": iso_duration(record.duration),
        "duration_s": int(record.duration.total_seconds()),
        "rrule": record.rrule, "recurring": record.rrule is not None,
        "affects": [s.to_json() for s in record.affects], "gates_work": record.gates_work,
        "ready_lead": iso_duration(record.ready_lead),
        "reminders": [iso_duration(r) for r in record.reminders], "public": record.public,
        "status": record.status, "created_at": record.created_at,
        "created_by": record.created_by, "updated_at": record.updated_at,
        "version": record.version,
    }
    if upcoming is not None:
        out["occurrences"] = [occurrence_json(o, record) for o in upcoming]
    return out


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
