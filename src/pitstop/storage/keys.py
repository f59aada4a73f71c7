"""Server keys: generated once, shared by every replica."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import server_keys


async def ensure_key(*, conn: AsyncConnection, name: str, value: str, at: datetime) -> str:
    """The stored key ``name``; ``value`` is stored first if there is none (the first
    replica to start wins, by the primary key)."""
    build = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(build(server_keys).values(name=name, value=value, created_at=at)
                       .on_conflict_do_nothing(index_elements=["name"]))
    stmt = select(server_keys.c.value).where(server_keys.c.name == name)
    return str((await conn.execute(stmt)).scalar_one())
