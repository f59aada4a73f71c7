"""Work leases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.sqlite_fast import FastConnection
from pitstop.storage.tables import leases

ACTIVE, RELEASED, LOST, FORCE_RELEASED = "active", "released", "lost", "force_released"


# Hot statements are built once: constructing a statement costs more than SQLite running it.
# These three also run on SQLite's fast path (FastConnection), which compiles them once.
_INSERT = leases.insert()
_RELEASE = (
    update(leases)
    .where(leases.c.id == bindparam("lease_id"), leases.c.state == ACTIVE)
    .values(state=RELEASED, ended_at=bindparam("now"))
    .returning(*leases.c)
)
_GET = select(leases).where(leases.c.id == bindparam("lease_id"))


async def insert_lease(*, conn: AsyncConnection | FastConnection, values: dict[str, Any]
                       ) -> None:
    await conn.execute(_INSERT, {"state": ACTIVE, **values})


async def get_lease(*, conn: AsyncConnection | FastConnection, lease_id: str) -> Any:
    return (await conn.execute(_GET, {"lease_id": lease_id})).mappings().first()


async def active_leases(
    *, conn: AsyncConnection, targets: tuple[str, ...] | None = None
) -> list[RowMapping]:
    """Active leases, all of them or those on ``targets``."""
    stmt = select(leases).where(leases.c.state == ACTIVE)
    if targets is not None:
        stmt = stmt.where(leases.c.target.in_(targets))
    return list((await conn.execute(stmt)).mappings())


async def active_lease_ids(*, conn: AsyncConnection) -> list[str]:
    stmt = select(leases.c.id).where(leases.c.state == ACTIVE)
    return list((await conn.execute(stmt)).scalars())


async def get_leases(*, conn: AsyncConnection, ids: list[str]) -> list[RowMapping]:
    out: list[RowMapping] = []
    for start in range(0, len(ids), 500):
        stmt = select(leases).where(leases.c.id.in_(ids[start:start + 500]))
        out.extend((await conn.execute(stmt)).mappings())
    return out


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
    *, conn: AsyncConnection, lease_id: str, state: str, now: datetime, duration_s: float,
    by: str | None = None, reason: str | None = None,
) -> bool:
    """Conditional update from active: False when it had already ended (another worker won)."""
    result = await conn.execute(
        update(leases)
        .where(leases.c.id == lease_id, leases.c.state == ACTIVE)
        .values(state=state, ended_at=now, duration_s=duration_s, ended_by=by,
                end_reason=reason)
    )
    return result.rowcount == 1


async def release_active_lease(
    *, conn: AsyncConnection | FastConnection, lease_id: str, now: datetime
) -> Any:
    """End an active lease as released in one statement; None if it was not active."""
    result = await conn.execute(_RELEASE, {"lease_id": lease_id, "now": now})
    return result.mappings().first()


async def expired_leases(*, conn: AsyncConnection, now: datetime) -> list[RowMapping]:
    stmt = select(leases).where(leases.c.state == ACTIVE, leases.c.expires_at <= now)
    return list((await conn.execute(stmt)).mappings())


async def recent_durations(
    *, conn: AsyncConnection, per_kind: int
) -> dict[str, list[float]]:
    """The last ``per_kind`` durations of released leases of each kind (for p90 estimates)."""
    stmt = (
        select(leases.c.kind, leases.c.acquired_at, leases.c.ended_at)
        .where(leases.c.state == RELEASED, leases.c.ended_at.is_not(None))
        .order_by(leases.c.ended_at.desc())
        .limit(per_kind * 50)
    )
    out: dict[str, list[float]] = {}
    for kind, acquired_at, ended_at in (await conn.execute(stmt)).all():
        bucket = out.setdefault(kind, [])
        if len(bucket) < per_kind:
            bucket.append((ended_at - acquired_at).total_seconds())
    return out


async def ended_leases(*, conn: AsyncConnection, ids: list[str]) -> list[RowMapping]:
    """Those of ``ids`` that have ended (released or lost)."""
    if not ids:
        return []
    stmt = select(leases).where(leases.c.id.in_(ids), leases.c.state != ACTIVE)
    return list((await conn.execute(stmt)).mappings())
