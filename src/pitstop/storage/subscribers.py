"""Public subscribers (each row with its own channel in ``channels``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import channels, subscribers

PENDING, CONFIRMED = "pending", "confirmed"


async def insert_subscriber(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(subscribers).values(**values))


async def get_subscriber(*, conn: AsyncConnection, subscriber_id: str) -> RowMapping | None:
    stmt = select(subscribers, channels.c.secret).join(
        channels, channels.c.id == subscribers.c.channel_id).where(
        subscribers.c.id == subscriber_id)
    return (await conn.execute(stmt)).mappings().first()


async def find_subscriber(*, conn: AsyncConnection, kind: str, address: str
                          ) -> RowMapping | None:
    stmt = select(subscribers).where(subscribers.c.kind == kind,
                                     subscribers.c.address == address)
    return (await conn.execute(stmt)).mappings().first()


async def list_subscribers(*, conn: AsyncConnection) -> list[RowMapping]:
    stmt = select(subscribers).order_by(subscribers.c.created_at, subscribers.c.id)
    return list((await conn.execute(stmt)).mappings())


async def confirm_subscriber(*, conn: AsyncConnection, subscriber_id: str, at: datetime
                             ) -> bool:
    """Pending → confirmed; False when it was not pending (confirmed already, or gone)."""
    result = await conn.execute(update(subscribers).where(
        subscribers.c.id == subscriber_id, subscribers.c.status == PENDING).values(
        status=CONFIRMED, confirmed_at=at))
    return result.rowcount == 1


async def delete_subscriber(*, conn: AsyncConnection, subscriber_id: str) -> RowMapping | None:
    """Delete the subscriber and its channel (its subscriptions and pending deliveries
    cascade); returns the row that was deleted."""
    row = (await conn.execute(select(subscribers).where(
        subscribers.c.id == subscriber_id))).mappings().first()
    if row is None:
        return None
    await conn.execute(delete(subscribers).where(subscribers.c.id == subscriber_id))
    await conn.execute(delete(channels).where(channels.c.id == row["channel_id"]))
    return row


async def channel_languages(*, conn: AsyncConnection, channel_ids: list[str]
                            ) -> dict[str, str | None]:
    """Each of ``channel_ids`` with its subscriber's language (None: not given)."""
    out: dict[str, str | None] = dict.fromkeys(channel_ids)
    if channel_ids:
        stmt = select(subscribers.c.channel_id, subscribers.c.language).where(
            subscribers.c.channel_id.in_(channel_ids))
        out.update({cid: lang for cid, lang in (await conn.execute(stmt)).all()})
    return out
