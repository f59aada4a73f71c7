"""The hits of rate-limited keys, shared by every replica (domain/ratelimits.py counts)."""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import rate_limits


@functools.cache
def _insert_ignoring_duplicates(dialect: str):  # type: ignore[no-untyped-def]
    build = pg_insert if dialect == "postgresql" else sqlite_insert
    return build(rate_limits).on_conflict_do_nothing(index_elements=["key"])


async def lock_hits(*, conn: AsyncConnection, key: str, now: datetime) -> list[float]:
    """The key's hits, its row locked until the transaction ends (created empty if new):
    two replicas counting the same key take turns."""
    await conn.execute(_insert_ignoring_duplicates(conn.dialect.name),
                       {"key": key, "hits": [], "updated_at": now})
    stmt = select(rate_limits.c.hits).where(rate_limits.c.key == key).with_for_update()
    return [float(h) for h in (await conn.execute(stmt)).scalar_one()]


async def save_hits(*, conn: AsyncConnection, key: str, hits: list[float], now: datetime
                    ) -> None:
    await conn.execute(update(rate_limits).where(rate_limits.c.key == key)
                       .values(hits=hits, updated_at=now))


async def forget_quiet(*, conn: AsyncConnection, before: datetime) -> None:
    """Drop keys nobody hit since ``before`` (their hits have all left the window)."""
    await conn.execute(delete(rate_limits).where(rate_limits.c.updated_at < before))
