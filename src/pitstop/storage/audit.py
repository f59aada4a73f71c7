"""The append-only audit history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import audit


async def append_audit(
    *,
    conn: AsyncConnection,
    at: datetime,
    actor: str,
    action: str,
    target: str | None,
    reason: str | None,
    details: dict[str, Any],
) -> int:
    result = await conn.execute(
        audit.insert().values(
            at=at, actor=actor, action=action, target=target, reason=reason, details=details
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


@dataclass(frozen=True)
class HistoryFilter:
    target: str | None = None
    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def page_audit(
    *, conn: AsyncConnection, where: HistoryFilter, before_id: int | None, limit: int,
    after_id: int | None = None,
) -> list[RowMapping]:
    """Newest first, by keyset on id: any page costs what the first one costs. With
    ``after_id``, the ``limit`` rows just newer than it (the page before), still newest
    first."""
    if after_id is not None:
        stmt = select(audit).where(audit.c.id > after_id).order_by(audit.c.id).limit(limit)
    else:
        stmt = select(audit).order_by(audit.c.id.desc()).limit(limit)
    if before_id is not None:
        stmt = stmt.where(audit.c.id < before_id)
    if where.target is not None:
        stmt = stmt.where(audit.c.target == where.target)
    if where.action is not None:
        stmt = stmt.where(audit.c.action == where.action)
    if where.actor is not None:
        stmt = stmt.where(audit.c.actor == where.actor)
    if where.since is not None:
        stmt = stmt.where(audit.c.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(audit.c.at < where.until)
    rows = list((await conn.execute(stmt)).mappings())
    return rows[::-1] if after_id is not None else rows
