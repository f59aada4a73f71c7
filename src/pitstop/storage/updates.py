"""Queries on maintenance updates. Lists are newest first (the order a timeline shows)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import audit, occurrences
from pitstop.storage.tables import maintenance_updates as updates
from pitstop.storage.windows import unstarted

LIMIT = 500
# The audit actions of a switch going off (its last hold released, or expired).
SWITCH_OFF = ("maintenance.exited", "node.maintenance_exited")
COLUMNS = tuple(updates.c.keys())


async def insert_update(*, conn: AsyncConnection, values: dict[str, Any]) -> RowMapping:
    result = await conn.execute(insert(updates).values(**values).returning(*updates.c))
    return result.mappings().one()


async def occurrence_updates(*, conn: AsyncConnection, occurrence_ids: Iterable[int],
                             limit: int = LIMIT) -> list[RowMapping]:
    """The updates of these occurrences, newest first."""
    ids = list(occurrence_ids)
    if not ids:
        return []
    stmt = (select(updates).where(updates.c.occurrence_id.in_(ids))
            .order_by(updates.c.id.desc()).limit(limit))
    return list((await conn.execute(stmt)).mappings())


async def target_updates(*, conn: AsyncConnection, targets: Iterable[str],
                         limit: int = LIMIT) -> list[RowMapping]:
    """The updates of each target's current switch maintenance (posted since its switch
    last went off, as the audit records it), newest first. Not since its oldest hold began:
    the holder who entered first may leave while others keep the maintenance going."""
    ids = list(targets)
    if not ids:
        return []
    last_off = (select(func.max(audit.c.at))
                .where(audit.c.target == updates.c.target, audit.c.action.in_(SWITCH_OFF))
                .scalar_subquery())
    stmt = (select(updates)
            .where(updates.c.target.in_(ids),
                   or_(last_off.is_(None), updates.c.created_at > last_off))
            .order_by(updates.c.id.desc()).limit(limit))
    return list((await conn.execute(stmt)).mappings())


async def period_updates(*, conn: AsyncConnection,
                         periods: Iterable[tuple[str, datetime, datetime]],
                         limit: int = LIMIT) -> list[RowMapping]:
    """The updates posted to each ``(target, start, end)`` switch maintenance that is over
    (posted to the target from its start to its end, both included), newest first."""
    wanted = [and_(updates.c.target == target, updates.c.created_at >= start,
                   updates.c.created_at <= end) for target, start, end in periods]
    if not wanted:
        return []
    stmt = select(updates).where(or_(*wanted)).order_by(updates.c.id.desc()).limit(limit)
    return list((await conn.execute(stmt)).mappings())


async def take_unstarted_updates(*, conn: AsyncConnection, window_id: int, now: datetime
                                 ) -> list[RowMapping]:
    """Delete and return the updates of the window's occurrences that an edit of its
    timing replaces (storage.windows.delete_unstarted), each with its occurrence's
    ``recurrence_id`` and ``occurrence_start``, oldest first: the caller puts them back on
    the occurrences that replace them (deleting the occurrences would cascade to them)."""
    stmt = (select(updates, occurrences.c.recurrence_id,
                   occurrences.c.start.label("occurrence_start"))
            .join(occurrences, occurrences.c.id == updates.c.occurrence_id)
            .where(*unstarted(window_id, now)).order_by(updates.c.id))
    rows = list((await conn.execute(stmt)).mappings())
    if rows:
        await conn.execute(delete(updates).where(updates.c.id.in_([r["id"] for r in rows])))
    return rows


async def insert_updates(*, conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Store updates as given, their ids included (updates carried to a new occurrence)."""
    if rows:
        await conn.execute(insert(updates), rows)
