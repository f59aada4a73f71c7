"""Queries on windows and occurrences."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from pitstop.storage.sqlite_fast import FastConnection
from pitstop.storage.tables import occurrences, windows

NOT_ENDED = ("SCHEDULED", "READY", "ONGOING")


async def insert_window(*, conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(windows).values(**values).returning(windows.c.id))
    return int(result.scalar_one())


async def get_window(*, conn: AsyncConnection, window_id: int, lock: bool = False
                     ) -> RowMapping | None:
    stmt = select(windows).where(windows.c.id == window_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).mappings().first()


async def list_windows(*, conn: AsyncConnection) -> list[RowMapping]:
    return list((await conn.execute(select(windows).order_by(windows.c.id))).mappings())


async def update_window(*, conn: AsyncConnection, window_id: int, expected_version: int,
                        values: dict[str, Any]) -> bool:
    """Conditional update: False when another writer changed the window first."""
    result = await conn.execute(
        update(windows)
        .where(windows.c.id == window_id, windows.c.version == expected_version)
        .values(version=expected_version + 1, **values))
    return result.rowcount == 1


_SAVE_CURSOR = (
    update(windows).where(windows.c.id == bindparam("wid"))
    .values(cursor_local=bindparam("cursor_local"), cursor_generated=bindparam("generated"),
            exhausted=bindparam("exhausted"))
)


async def save_cursors(*, conn: AsyncConnection, cursors: list[dict[str, Any]]) -> set[int]:
    """Record where expansion stopped for each window (``wid``, ``version``,
    ``cursor_local``, ``generated``, ``exhausted``), unless the window was edited or deleted
    meanwhile: those are left out, and the ids saved are returned. The cursor is bookkeeping:
    it does not bump the window's version."""
    if not cursors:
        return set()
    wanted = {c["wid"]: c["version"] for c in cursors}
    rows = await conn.execute(
        select(windows.c.id, windows.c.version)
        .where(windows.c.id.in_(list(wanted))).with_for_update())
    current = {row.id for row in rows if wanted[row.id] == row.version}
    saving = [c for c in cursors if c["wid"] in current]
    if saving:
        await conn.execute(_SAVE_CURSOR, saving)
    return current


async def delete_window(*, conn: AsyncConnection, window_id: int) -> None:
    await conn.execute(delete(occurrences).where(occurrences.c.window_id == window_id))
    await conn.execute(delete(windows).where(windows.c.id == window_id))


@functools.cache
def _insert_ignoring_duplicates(dialect: str):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT (window_id, recurrence_id) DO NOTHING RETURNING *."""
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(occurrences).on_conflict_do_nothing(
        index_elements=["window_id", "recurrence_id"]).returning(*occurrences.c)


async def insert_occurrences(*, conn: AsyncConnection, rows: Iterable[dict[str, Any]]
                             ) -> list[RowMapping]:
    """Insert occurrences in one batch; one whose (window, recurrence id) exists already —
    generated before, moved, cancelled or deleted (a tombstone) — is skipped. Returns those
    inserted."""
    batch = [{"deleted": False, "version": 1, **row} for row in rows]
    if not batch:
        return []
    result = await conn.execute(_insert_ignoring_duplicates(conn.dialect.name), batch)
    return list(result.mappings())


async def get_occurrence(*, conn: AsyncConnection, occurrence_id: int, lock: bool = False
                         ) -> RowMapping | None:
    stmt = select(occurrences).where(occurrences.c.id == occurrence_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).mappings().first()


async def update_occurrence(*, conn: AsyncConnection, occurrence_id: int, expected_version: int,
                            values: dict[str, Any]) -> RowMapping | None:
    """Conditional update returning the new row; None when another writer was first."""
    result = await conn.execute(
        update(occurrences)
        .where(occurrences.c.id == occurrence_id, occurrences.c.version == expected_version)
        .values(version=expected_version + 1, **values)
        .returning(*occurrences.c))
    return result.mappings().first()


async def delete_unstarted(*, conn: AsyncConnection, window_id: int, now: datetime
                           ) -> list[RowMapping]:
    """Delete the window's SCHEDULED and READY occurrences that have not started (not
    tombstones), for an edit that replaces them. Returns the deleted rows."""
    result = await conn.execute(
        delete(occurrences).where(*unstarted(window_id, now)).returning(*occurrences.c))
    return list(result.mappings())


def unstarted(window_id: int, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The window's SCHEDULED and READY occurrences that have not started (not tombstones)."""
    return (occurrences.c.window_id == window_id,
            occurrences.c.status.in_(("SCHEDULED", "READY")),
            occurrences.c.deleted.is_(False), occurrences.c.start > now)


async def window_occurrences(
    *, conn: AsyncConnection, window_id: int | None = None, start_from: datetime | None = None,
    start_before: datetime | None = None, status: str | None = None,
    include_deleted: bool = False, limit: int | None = None,
) -> list[RowMapping]:
    stmt = select(occurrences)
    if window_id is not None:
        stmt = stmt.where(occurrences.c.window_id == window_id)
    if not include_deleted:
        stmt = stmt.where(occurrences.c.deleted.is_(False))
    if start_from is not None:
        stmt = stmt.where(occurrences.c.end > start_from)
    if start_before is not None:
        stmt = stmt.where(occurrences.c.start < start_before)
    if status is not None:
        stmt = stmt.where(occurrences.c.status == status)
    stmt = stmt.order_by(occurrences.c.start, occurrences.c.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list((await conn.execute(stmt)).mappings())


async def live_occurrences(*, conn: AsyncConnection) -> list[RowMapping]:
    """Every occurrence that has not ended (for the snapshot and the scheduler)."""
    stmt = select(occurrences).where(occurrences.c.status.in_(NOT_ENDED),
                                     occurrences.c.deleted.is_(False))
    return list((await conn.execute(stmt)).mappings())


_GATING = (
    select(occurrences.c.id, occurrences.c.window_id, occurrences.c.recurrence_id,
           occurrences.c.start, occurrences.c.end, occurrences.c.status,
           windows.c.title, windows.c.created_by, windows.c.gates_work,
           windows.c.status.label("window_status"), windows.c.affects,
           windows.c.ready_lead_s)
    .join(windows, windows.c.id == occurrences.c.window_id)
    .where(occurrences.c.status.in_(NOT_ENDED), occurrences.c.deleted.is_(False),
           windows.c.gates_work.is_(True), occurrences.c.start <= bindparam("limit"),
           occurrences.c.end > bindparam("now"))
)


async def gating_occurrences(*, conn: AsyncConnection | FastConnection, now: datetime,
                             limit: datetime) -> list[Any]:
    """Occurrences of gating windows that have not ended and start by ``limit``, with what
    admission needs of their window. Read inside the admission's transaction."""
    return list((await conn.execute(_GATING, {"now": now, "limit": limit})).mappings())


async def count_by_window(*, conn: AsyncConnection) -> dict[int, int]:
    stmt = (select(occurrences.c.window_id, func.count())
            .where(occurrences.c.deleted.is_(False)).group_by(occurrences.c.window_id))
    return {row[0]: row[1] for row in await conn.execute(stmt)}


def overlapping(start: datetime, end: datetime):  # type: ignore[no-untyped-def]
    return and_(occurrences.c.start < end, occurrences.c.end > start)


async def reminder_candidates(*, conn: AsyncConnection, now: datetime, until: datetime
                              ) -> list[RowMapping]:
    """Occurrences that have not started, start by ``until``, and are not tombstones."""
    stmt = (select(occurrences)
            .where(occurrences.c.status.in_(("SCHEDULED", "READY")),
                   occurrences.c.deleted.is_(False),
                   occurrences.c.start > now, occurrences.c.start <= until)
            .order_by(occurrences.c.start, occurrences.c.id))
    return list((await conn.execute(stmt)).mappings())


async def mark_reminded(*, conn: AsyncConnection, occurrence_id: int, start: datetime,
                        lead_s: int) -> bool:
    """Record that the reminder ``lead_s`` before ``start`` went out. False when another
    worker sent it (or a smaller one) first, or the occurrence moved meanwhile."""
    result = await conn.execute(
        update(occurrences)
        .where(occurrences.c.id == occurrence_id, occurrences.c.start == start,
               occurrences.c.status.in_(("SCHEDULED", "READY")),
               or_(occurrences.c.reminded_lead_s.is_(None),
                   occurrences.c.reminded_lead_s > lead_s))
        .values(reminded_lead_s=lead_s))
    return result.rowcount == 1


async def past_public_occurrences(*, conn: AsyncConnection, now: datetime,
                                  since: datetime | None, until: datetime | None,
                                  limit: int, offset: int) -> list[RowMapping]:
    """Occurrences of public windows that are over (ended, completed or cancelled), newest
    first, starting in [since, until)."""
    over = or_(occurrences.c.end <= now, occurrences.c.status.in_(("COMPLETED", "CANCELLED")))
    stmt = (select(occurrences, windows.c.title, windows.c.timezone, windows.c.affects)
            .join(windows, windows.c.id == occurrences.c.window_id)
            .where(windows.c.public.is_(True), occurrences.c.deleted.is_(False), over,
                   occurrences.c.start <= now)
            .order_by(occurrences.c.start.desc(), occurrences.c.id.desc())
            .limit(limit).offset(offset))
    if since is not None:
        stmt = stmt.where(occurrences.c.start >= since)
    if until is not None:
        stmt = stmt.where(occurrences.c.start < until)
    return list((await conn.execute(stmt)).mappings())
