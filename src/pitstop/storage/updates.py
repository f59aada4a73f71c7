"""Queries on maintenance updates. Lists are newest first (the order a timeline shows)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import maintenance_updates as updates

LIMIT = 500


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


async def target_updates(*, conn: AsyncConnection, targets: Iterable[tuple[str, datetime]],
                         limit: int = LIMIT) -> list[RowMapping]:
    """The updates posted to each target since the given time (its current switch
    maintenance began), newest first."""
    pairs = list(targets)
    if not pairs:
        return []
    stmt = (select(updates)
            .where(or_(*(and_(updates.c.target == t, updates.c.created_at >= since)
                         for t, since in pairs)))
            .order_by(updates.c.id.desc()).limit(limit))
    return list((await conn.execute(stmt)).mappings())
