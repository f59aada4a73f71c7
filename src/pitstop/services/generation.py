"""What generating and changing occurrences have in common: the gate lock, the status a new
occurrence starts in, and the event each change publishes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.domain.lifecycle import Slot, Status, initial_status
from pitstop.domain.recurrence import Expander, Occurrence
from pitstop.domain.targets import PLATFORM
from pitstop.domain.windows import PAUSED
from pitstop.services.events import Event
from pitstop.services.records import local_text, occurrence_from_row
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord
from pitstop.storage import targets as targets_q
from pitstop.storage import windows as windows_q


async def lock_gate(conn: AsyncConnection) -> None:
    """Serialize with every lease admission (they hold the platform row shared)."""
    await targets_q.lock_targets(conn=conn, ids=(PLATFORM,), exclusive=True)


def first_status(slot: Slot, paused: bool, now: datetime) -> Status:
    """A new occurrence starts where its times put it; a paused window's does not start."""
    status = initial_status(slot, now)
    if paused and status is Status.ONGOING:
        return Status.READY
    return status


def future_occurrences(expander: Expander, until: datetime, now: datetime) -> list[Occurrence]:
    """Expand to ``until``, dropping occurrences that ended before ``now`` (a series that
    began long ago, or time the server was down): nothing is generated into the past."""
    return [occ for occ in expander.until(until) if occ.end > now]


def occurrence_rows(record: WindowRecord, occs: Iterable[Occurrence], now: datetime
                    ) -> list[dict[str, Any]]:
    """The rows that store ``occs``, each in the status its times give it now."""
    rows = []
    for occ in occs:
        slot = Slot(Status.SCHEDULED, occ.start, occ.end, record.ready_lead)
        rows.append({"window_id": record.id, "recurrence_id": occ.recurrence_id,
                     "start": occ.start, "end": occ.end, "updated_at": now,
                     "status": str(first_status(slot, record.status == PAUSED, now))})
    return rows


async def insert_generated(conn: AsyncConnection, rows: list[dict[str, Any]]
                           ) -> list[OccurrenceRecord]:
    """Store generated occurrences; those whose slot is taken already are skipped."""
    inserted = await windows_q.insert_occurrences(conn=conn, rows=rows)
    return [occurrence_from_row(r) for r in inserted]


def occurrence_event(kind: str, record: OccurrenceRecord, now: datetime,
                      **data: Any) -> Event:
    return Event(kind, f"window:{record.times.window_id}", now,
                 {"window": record.times.window_id, "occurrence": record.id,
                  "status": str(record.times.status), **data}, record)



def cursor_values(record: WindowRecord, expander: Expander) -> dict[str, Any]:
    """What storage.windows.save_cursors records for ``record`` after ``expander``."""
    cursor = expander.cursor
    return {"wid": record.id, "version": record.version,
            "cursor_local": local_text(cursor.last_local) if cursor else None,
            "generated": cursor.generated if cursor else 0,
            "exhausted": expander.peek() is None}
