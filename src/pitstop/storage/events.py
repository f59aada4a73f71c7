"""The event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.engine import OWNER
from pitstop.storage.tables import events

_LOG_LOCK = 7_461_001  # PostgreSQL advisory lock key: event-writing transactions take turns
CHANNEL = "pitstop"  # PostgreSQL NOTIFY channel: the log grew (see services.backplane)


async def append_events(*, conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[int]:
    """Append events in order and return their ids.

    On PostgreSQL a transaction-scoped advisory lock makes event-writing transactions
    commit in id order, so a reader that has seen id N never later finds a smaller id
    appear. (SQLite's writers are serialized already.)
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOG_LOCK})
    if not rows:
        return []  # an executemany of no rows would insert one empty row
    # One executemany (SQLAlchemy's insertmanyvalues: a few multi-row INSERTs), its ids
    # returned in the rows' order: a change that derives ten thousand node.config_changed
    # logged them one statement each, ~2 s holding the event loop on SQLite.
    return [int(row[0]) for row in (await conn.execute(_APPEND, rows)).all()]


_APPEND = insert(events).returning(events.c.id, sort_by_parameter_order=True)


async def events_after(*, conn: AsyncConnection, after: int, limit: int,
                       types: Sequence[str] | None = None, target: str | None = None
                       ) -> list[RowMapping]:
    stmt = select(events).where(events.c.id > after).order_by(events.c.id).limit(limit)
    if types:
        stmt = stmt.where(events.c.type.in_(list(types)))
    if target is not None:
        stmt = stmt.where(events.c.target == target)
    return list((await conn.execute(stmt)).mappings())


async def targets_with_event_since(*, conn: AsyncConnection, type_: str, since: datetime,
                                   targets: Sequence[str]) -> dict[str, datetime]:
    """Of ``targets``, those with an event of ``type_`` at or after ``since``, with when
    the last one was logged."""
    stmt = (select(events.c.target, func.max(events.c.at)).where(events.c.at >= since)
            .where(events.c.type == type_).where(events.c.target.in_(list(targets)))
            .group_by(events.c.target))
    return {target: at for target, at in (await conn.execute(stmt)).all()}


async def last_event_id(*, conn: AsyncConnection) -> int:
    return int((await conn.execute(select(func.coalesce(func.max(events.c.id), 0)))).scalar())


async def delete_events_before(*, conn: AsyncConnection, at: datetime) -> int:
    result = await conn.execute(delete(events).where(events.c.at < at))
    return result.rowcount or 0


async def announce(conn: AsyncConnection, ids: list[int]) -> None:
    """Tell the other replicas, when this transaction commits, that the log grew. This
    replica learns the ids first: its backplane may read the log between the commit and
    the change being published here, and must not take these for another replica's."""
    if conn.dialect.name == "postgresql":
        db = conn.info.get(OWNER)
        if db is not None and db.on_logged is not None:
            db.on_logged(ids)
        await conn.execute(text("SELECT pg_notify(:channel, :payload)"),
                           {"channel": CHANNEL, "payload": ":events"})
