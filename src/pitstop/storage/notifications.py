"""Channels, subscriptions, and the deliveries outbox with its attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import channels, deliveries, delivery_attempts, subscriptions

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


async def insert_channel(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(channels).values(**values))


async def list_channels(*, conn: AsyncConnection, audience: str | None = "operators"
                        ) -> list[RowMapping]:
    """Operators' channels by default; ``audience=None`` for every channel."""
    stmt = select(channels).order_by(channels.c.name)
    if audience is not None:
        stmt = stmt.where(channels.c.audience == audience)
    return list((await conn.execute(stmt)).mappings())


async def channel_audiences(*, conn: AsyncConnection, channel_ids: list[str]
                            ) -> dict[str, str]:
    stmt = select(channels.c.id, channels.c.audience).where(channels.c.id.in_(channel_ids))
    return {r.id: r.audience for r in await conn.execute(stmt)}


async def get_channel(*, conn: AsyncConnection, channel_id: str) -> RowMapping | None:
    stmt = select(channels).where(channels.c.id == channel_id)
    return (await conn.execute(stmt)).mappings().first()


async def delete_channel(*, conn: AsyncConnection, channel_id: str) -> bool:
    """Its subscriptions and deliveries go with it (foreign keys cascade)."""
    result = await conn.execute(delete(channels).where(channels.c.id == channel_id))
    return result.rowcount == 1


async def insert_subscription(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(subscriptions).values(**values))


async def list_subscriptions(*, conn: AsyncConnection, channel_id: str | None = None,
                             audience: str | None = None) -> list[RowMapping]:
    """Every channel's subscriptions, or only those of channels of one ``audience``."""
    stmt = select(subscriptions).order_by(subscriptions.c.created_at, subscriptions.c.id)
    if audience is not None:
        stmt = stmt.where(subscriptions.c.channel_id.in_(
            select(channels.c.id).where(channels.c.audience == audience)))
    if channel_id is not None:
        stmt = stmt.where(subscriptions.c.channel_id == channel_id)
    return list((await conn.execute(stmt)).mappings())


async def delete_subscription(*, conn: AsyncConnection, subscription_id: str) -> bool:
    result = await conn.execute(delete(subscriptions).where(
        subscriptions.c.id == subscription_id))
    return result.rowcount == 1


async def insert_deliveries(*, conn: AsyncConnection, rows: list[dict[str, Any]]) -> int:
    """Insert outbox rows; one whose (dedupe key, channel) is taken already is skipped —
    the same fact reported twice is delivered once. Returns how many were new."""
    if not rows:
        return 0
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = build(deliveries).on_conflict_do_nothing(
        index_elements=["dedupe_key", "channel_id"])
    inserted = 0
    for row in rows:  # one by one: rowcount of an executemany is not portable
        inserted += (await conn.execute(stmt, row)).rowcount or 0
    return inserted


async def insert_delivery(*, conn: AsyncConnection, values: dict[str, Any]) -> int:
    result = await conn.execute(insert(deliveries).values(**values).returning(deliveries.c.id))
    return int(result.scalar_one())


def _first_in_line() -> ColumnElement[bool]:
    """No earlier delivery about the same subject on the same channel is pending: a later
    fact waits while an earlier one is retried, whatever its own ``next_attempt_at``. (A
    row without a subject waits for nothing.) Served by ix_deliveries_pending_subject."""
    earlier = deliveries.alias("earlier")
    return ~exists().where(earlier.c.channel_id == deliveries.c.channel_id,
                           earlier.c.subject == deliveries.c.subject,
                           earlier.c.status == PENDING, earlier.c.id < deliveries.c.id)


async def due_deliveries(*, conn: AsyncConnection, now: datetime, limit: int
                         ) -> list[RowMapping]:
    """Pending deliveries due by ``now`` that are first in line for their subject."""
    stmt = (select(deliveries)
            .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now,
                   _first_in_line())
            .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(limit))
    return list((await conn.execute(stmt)).mappings())


async def claim_delivery(*, conn: AsyncConnection, delivery_id: int, seen_at: datetime,
                         until: datetime) -> bool:
    """Hold a due delivery until ``until``. False when another worker claimed it first
    (its ``next_attempt_at`` is no longer what we read), or when an earlier one about its
    subject is pending again (an operator retried it since we read)."""
    result = await conn.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.status == PENDING,
               deliveries.c.next_attempt_at == seen_at, _first_in_line())
        .values(next_attempt_at=until))
    return result.rowcount == 1


async def next_due_at(*, conn: AsyncConnection) -> datetime | None:
    """When the next delivery that is first in line falls due (those behind it wait for it,
    not for their own time)."""
    stmt = select(func.min(deliveries.c.next_attempt_at)).where(
        deliveries.c.status == PENDING, _first_in_line())
    return (await conn.execute(stmt)).scalar()


async def next_in_line(*, conn: AsyncConnection, delivery: RowMapping) -> RowMapping | None:
    """The oldest pending delivery waiting behind ``delivery`` (same channel and subject)."""
    if delivery["subject"] is None:
        return None
    stmt = (select(deliveries.c.id, deliveries.c.held_since)
            .where(*_behind(delivery)).order_by(deliveries.c.id).limit(1))
    return (await conn.execute(stmt)).mappings().first()


async def hold_followers(*, conn: AsyncConnection, delivery: RowMapping, now: datetime
                         ) -> None:
    """Mark the deliveries waiting behind a failed ``delivery`` as held back since ``now``,
    unless something ahead of them failed earlier (the bounded wait counts from then)."""
    if delivery["subject"] is None:
        return
    await conn.execute(update(deliveries)
                       .where(*_behind(delivery), deliveries.c.held_since.is_(None))
                       .values(held_since=now))


def _behind(delivery: RowMapping) -> list[ColumnElement[bool]]:
    return [deliveries.c.channel_id == delivery["channel_id"],
            deliveries.c.subject == delivery["subject"],
            deliveries.c.status == PENDING, deliveries.c.id > delivery["id"]]


async def newest_after(*, conn: AsyncConnection, delivery: RowMapping) -> RowMapping | None:
    """The newest delivery about the same subject on the same channel, if newer than
    ``delivery`` (any status)."""
    if delivery["subject"] is None:
        return None
    stmt = (select(deliveries.c.id, deliveries.c.status)
            .where(deliveries.c.channel_id == delivery["channel_id"],
                   deliveries.c.subject == delivery["subject"],
                   deliveries.c.id > delivery["id"])
            .order_by(deliveries.c.id.desc()).limit(1))
    return (await conn.execute(stmt)).mappings().first()


async def insert_attempt(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(delivery_attempts).values(**values))


async def update_delivery(*, conn: AsyncConnection, delivery_id: int, values: dict[str, Any],
                          expected_status: str | None = None,
                          claimed_until: datetime | None = None) -> RowMapping | None:
    """Conditional update: only while the row has ``expected_status`` and, when given, is
    still held by the claim that ends at ``claimed_until``."""
    where = [deliveries.c.id == delivery_id]
    if expected_status is not None:
        where.append(deliveries.c.status == expected_status)
    if claimed_until is not None:
        where.append(deliveries.c.next_attempt_at == claimed_until)
    result = await conn.execute(update(deliveries).where(and_(*where)).values(**values)
                                .returning(*deliveries.c))
    return result.mappings().first()


async def get_delivery(*, conn: AsyncConnection, delivery_id: int) -> RowMapping | None:
    stmt = select(deliveries).where(deliveries.c.id == delivery_id)
    return (await conn.execute(stmt)).mappings().first()


async def list_deliveries(*, conn: AsyncConnection, status: str | None, channel_id: str | None,
                          before: int | None, limit: int) -> list[RowMapping]:
    """Newest first; ``before`` is the id to continue below (a cursor)."""
    stmt = select(deliveries).order_by(deliveries.c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(deliveries.c.status == status)
    if channel_id is not None:
        stmt = stmt.where(deliveries.c.channel_id == channel_id)
    if before is not None:
        stmt = stmt.where(deliveries.c.id < before)
    return list((await conn.execute(stmt)).mappings())


async def list_attempts(*, conn: AsyncConnection, delivery_ids: list[int]
                        ) -> list[RowMapping]:
    if not delivery_ids:
        return []
    stmt = (select(delivery_attempts)
            .where(delivery_attempts.c.delivery_id.in_(delivery_ids))
            .order_by(delivery_attempts.c.delivery_id, delivery_attempts.c.id))
    return list((await conn.execute(stmt)).mappings())
