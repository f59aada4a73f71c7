"""Silence rules, and the silences pitstop wants in Alertmanager (never commits)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import silence_rules, silences, windows

ACTIVE, ENDING, ENDED = "active", "ending", "ended"


async def insert_rule(*, conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(silence_rules).values(**values)
                                .returning(silence_rules.c.id))
    return int(result.scalar_one())


async def list_rules(*, conn: AsyncConnection) -> list[RowMapping]:
    stmt = select(silence_rules).order_by(silence_rules.c.name)
    return list((await conn.execute(stmt)).mappings())


async def get_rule(*, conn: AsyncConnection, rule_id: int) -> RowMapping | None:
    stmt = select(silence_rules).where(silence_rules.c.id == rule_id)
    return (await conn.execute(stmt)).mappings().first()


async def delete_rule(*, conn: AsyncConnection, rule_id: int) -> bool:
    """Its silences end at the next sync of the same transaction (they are no longer wanted)."""
    result = await conn.execute(delete(silence_rules).where(silence_rules.c.id == rule_id))
    return result.rowcount == 1


async def public_window_ids(*, conn: AsyncConnection) -> set[int]:
    return set((await conn.execute(select(windows.c.id).where(windows.c.public))).scalars())


async def live_silences(*, conn: AsyncConnection, targets: Collection[str] | None = None
                        ) -> list[RowMapping]:
    """Every silence wanted, or wanted no more but not yet expired in Alertmanager; or
    those of ``targets``."""
    stmt = select(silences).where(silences.c.live_key.is_not(None)).order_by(silences.c.id)
    if targets is not None:
        stmt = stmt.where(silences.c.target.in_(sorted(targets)))
    return list((await conn.execute(stmt)).mappings())


async def silences_by_id(*, conn: AsyncConnection, ids: Iterable[int]) -> dict[int, RowMapping]:
    stmt = select(silences).where(silences.c.id.in_(sorted(set(ids))))
    return {r["id"]: r for r in (await conn.execute(stmt)).mappings()}


async def insert_silences(*, conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Insert wanted silences; one whose live key is taken is skipped: two transactions on
    PostgreSQL can both see a silence wanted (a window's start is a matter of time), and
    the second must not fail the change it is part of."""
    if rows:
        build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        await conn.execute(build(silences).on_conflict_do_nothing(
            index_elements=["live_key"]), rows)


async def change_silence(*, conn: AsyncConnection, silence_id: int, values: dict[str, Any],
                         revision: int | None = None) -> bool:
    """Update one row; with ``revision``, only while nobody changed it since it was read
    (the sync of a later change got there first). Every change moves the revision on."""
    stmt = update(silences).where(silences.c.id == silence_id)
    if revision is not None:
        stmt = stmt.where(silences.c.revision == revision)
    result = await conn.execute(stmt.values(**values, revision=silences.c.revision + 1))
    return result.rowcount == 1


async def due_silences(*, conn: AsyncConnection, now: datetime, limit: int
                       ) -> list[RowMapping]:
    """Rows Alertmanager does not agree with yet, whose next attempt is due."""
    stmt = (select(silences)
            .where(silences.c.synced.is_(False), silences.c.next_attempt_at <= now)
            .order_by(silences.c.next_attempt_at, silences.c.id).limit(limit))
    return list((await conn.execute(stmt)).mappings())


async def retry_now(*, conn: AsyncConnection, now: datetime) -> None:
    """Every row Alertmanager does not agree with is due now (it is back after an outage)."""
    await conn.execute(update(silences).where(silences.c.synced.is_(False))
                       .values(next_attempt_at=now))


async def next_due_at(*, conn: AsyncConnection) -> datetime | None:
    stmt = select(func.min(silences.c.next_attempt_at)).where(silences.c.synced.is_(False))
    return (await conn.execute(stmt)).scalar_one_or_none()  # type: ignore[no-any-return]


async def list_silences(*, conn: AsyncConnection, target: str | None = None,
                        live: bool = False, limit: int = 100) -> list[RowMapping]:
    """Newest first: of one target, or all; ``live`` leaves out those that are over."""
    stmt = select(silences).order_by(silences.c.id.desc()).limit(limit)
    if target is not None:
        stmt = stmt.where(silences.c.target == target)
    if live:
        stmt = stmt.where(silences.c.live_key.is_not(None))
    return list((await conn.execute(stmt)).mappings())
