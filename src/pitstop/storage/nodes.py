"""Queries on nodes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import nodes, tokens

CHUNK = 500  # ids per IN list when rows are read by id


async def insert_node(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(nodes).values(version=1, **values))


async def get_node(*, conn: AsyncConnection, target: str, lock: bool = False
                   ) -> RowMapping | None:
    stmt = select(nodes).where(nodes.c.target == target)
    if lock:
        stmt = stmt.with_for_update()
    return (await conn.execute(stmt)).mappings().first()


async def list_nodes(*, conn: AsyncConnection) -> list[RowMapping]:
    return list((await conn.execute(select(nodes).order_by(nodes.c.target))).mappings())


async def node_versions(*, conn: AsyncConnection) -> dict[str, int]:
    """Every node's target and version: what a refresh compares before reading rows."""
    return dict((await conn.execute(select(nodes.c.target, nodes.c.version))).all())


async def get_nodes(*, conn: AsyncConnection, targets: list[str]) -> list[RowMapping]:
    out: list[RowMapping] = []
    for start in range(0, len(targets), CHUNK):
        stmt = select(nodes).where(nodes.c.target.in_(targets[start:start + CHUNK]))
        out.extend((await conn.execute(stmt)).mappings())
    return out


async def update_node(*, conn: AsyncConnection, target: str, values: dict[str, Any]
                      ) -> RowMapping | None:
    """Update and return the row (its version bumped); None when it does not exist."""
    result = await conn.execute(
        update(nodes).where(nodes.c.target == target)
        .values(version=nodes.c.version + 1, **values).returning(*nodes.c))
    return result.mappings().first()


async def delete_node(*, conn: AsyncConnection, target: str) -> None:
    await conn.execute(delete(nodes).where(nodes.c.target == target))


async def active_agent_tokens(*, conn: AsyncConnection, target: str) -> list[RowMapping]:
    stmt = select(tokens).where(tokens.c.node == target, tokens.c.revoked_at.is_(None))
    return list((await conn.execute(stmt)).mappings())
