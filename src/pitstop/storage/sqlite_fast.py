"""The hot write paths on SQLite, in plain sqlite3: lease admission and release.

Through SQLAlchemy's async layer every statement costs ~45 us and every transaction shell
~120 us, while SQLite itself does an admission in ~45 us all told. These few statements run
on one dedicated connection, only inside the process's write lock (see Database.write_fast),
and store values exactly as SQLAlchemy does (UTC text timestamps, JSON text), so every
other reader sees the same rows. The query functions in leases.py and targets.py dispatch
here when handed a :class:`FastConnection`; PostgreSQL never comes here.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

_TIMES = {"created_at", "updated_at", "maint_since", "maint_expires_at", "acquired_at",
          "expected_end", "expires_at", "ended_at", "rt_at", "recurrence_id", "start", "end"}
_JSON = ("labels", "affects", "maint_holds")
_BOOLS = ("maint_on", "gates_work")


class FastConnection:
    """A raw connection inside an open write transaction."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw


def open_raw(path: str, busy_timeout_ms: int = 10_000) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    raw.row_factory = sqlite3.Row
    for pragma in ("journal_mode=WAL", f"busy_timeout={busy_timeout_ms:d}", "synchronous=NORMAL",
                   "foreign_keys=ON"):
        raw.execute(f"PRAGMA {pragma}")
    return raw


def to_text(at: datetime | None) -> str | None:
    """The format SQLAlchemy's SQLite DateTime writes (fixed width, sortable)."""
    if at is None:
        return None
    if at.tzinfo is None:
        raise ValueError(f"refusing to store a naive datetime: {at!r}")
    at = at.astimezone(UTC)
    return f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond:06d}"


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for key, value in out.items():
        if key in _TIMES and value is not None:
            out[key] = datetime.fromisoformat(value).replace(tzinfo=UTC)
    for key in _JSON:
        if out.get(key) is not None:
            out[key] = json.loads(out[key])
    for key in _BOOLS:
        if key in out:
            out[key] = bool(out[key])
    return out


def lock_targets(conn: FastConnection, ids: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    marks = ",".join("?" * len(ids))
    rows = conn.raw.execute(f"SELECT * FROM targets WHERE id IN ({marks}) ORDER BY id", ids)
    return {r["id"]: r for r in (_row(row) for row in rows) if r is not None}


def insert_lease(conn: FastConnection, values: dict[str, Any]) -> None:
    columns = list(values)
    params = [to_text(v) if k in _TIMES else v for k, v in values.items()]
    conn.raw.execute(
        f"INSERT INTO leases ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})",
        params,
    )


def get_lease(conn: FastConnection, lease_id: str) -> dict[str, Any] | None:
    return _row(conn.raw.execute("SELECT * FROM leases WHERE id = ?", (lease_id,)).fetchone())


def release_active_lease(conn: FastConnection, lease_id: str, now: datetime
                         ) -> dict[str, Any] | None:
    cursor = conn.raw.execute(
        "UPDATE leases SET state = 'released', ended_at = ? "
        "WHERE id = ? AND state = 'active' RETURNING *", (to_text(now), lease_id))
    return _row(cursor.fetchone())


def gating_occurrences(conn: FastConnection, now: datetime, limit: datetime
                       ) -> list[dict[str, Any]]:
    """storage.windows.gating_occurrences, for the SQLite admission path."""
    rows = conn.raw.execute(
        "SELECT o.id, o.window_id, o.recurrence_id, o.start, o.\"end\", o.status, w.title, "
        "w.created_by, w.gates_work, w.status AS window_status, w.affects, w.ready_lead_s "
        "FROM occurrences o JOIN windows w ON w.id = o.window_id "
        "WHERE o.status IN ('SCHEDULED', 'READY', 'ONGOING') AND o.deleted = 0 "
        "AND w.gates_work = 1 AND o.start <= ? AND o.\"end\" > ?",
        (to_text(limit), to_text(now)))
    return [r for r in (_row(row) for row in rows) if r is not None]
