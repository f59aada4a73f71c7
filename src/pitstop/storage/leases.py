"""Work leases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import leases

ACTIVE, RELEASED, LOST = "active", "released", "lost"


async def insert_lease(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(leases.insert().values(state=ACTIVE, **values))


async def get_lease(*, conn: AsyncConnection, lease_id: str) -> RowMapping | None:
    return (await conn.execute(select(leases).where(leases.c.id == lease_id))).mappings().first()


async def active_leases(
    *, conn: AsyncConnection, targets: tuple[str, ...] | None = None
) -> list[RowMapping]:
    """Active leases, all of them or those on ``targets``."""
    stmt = select(leases).where(leases.c.state == ACTIVE)
    if targets is not None:
        stmt = stmt.where(leases.c.target.in_(targets))
    return list((await conn.execute(stmt)).mappings())


async def touch_lease(
    *, conn: AsyncConnection, lease_id: str, now: datetime, values: dict[str, Any]
) -> RowMapping | None:
    """Update a lease that still counts (active, unexpired); None if it has ended."""
    result = await conn.execute(
        update(leases)
        .where(leases.c.id == lease_id, leases.c.state == ACTIVE, leases.c.expires_at > now)
        .values(**values)
        .returning(*leases.c)
    )
    return result.mappings().first()


async def end_lease(
    *, conn: AsyncConnection, lease_id: str, state: str, now: datetime, duration_s: float
) -> bool:
    """Conditional update from active: False when it had already ended (another worker won)."""
    result = await conn.execute(
        update(leases)
        .where(leases.c.id == lease_id, leases.c.state == ACTIVE)
        .values(state=state, ended_at=now, duration_s=duration_s)
    )
    return result.rowcount == 1


async def expired_leases(*, conn: AsyncConnection, now: datetime) -> list[RowMapping]:
    stmt = select(leases).where(leases.c.state == ACTIVE, leases.c.expires_at <= now)
    return list((await conn.execute(stmt)).mappings())


async def recent_durations(
    *, conn: AsyncConnection, per_kind: int
) -> dict[str, list[float]]:
    """The last ``per_kind`` durations of released leases of each kind (for p90 estimates)."""
    stmt = (
        select(leases.c.kind, leases.c.duration_s)
        .where(leases.c.state == RELEASED, leases.c.duration_s.is_not(None))
        .order_by(leases.c.ended_at.desc())
        .limit(per_kind * 50)
    )
    out: dict[str, list[float]] = {}
    for kind, duration in (await conn.execute(stmt)).all():
        bucket = out.setdefault(kind, [])
        if len(bucket) < per_kind:
            bucket.append(float(duration))
    return out
