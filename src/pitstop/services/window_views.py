"""The JSON form of windows and occurrences (times in UTC, and local in the window's zone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pitstop.domain.lifecycle import Status
from pitstop.domain.recurrence import Occurrence
from pitstop.domain.windows import PAUSED
from pitstop.services.records import local_text
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord


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

