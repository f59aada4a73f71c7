"""Queries on the public page's branding (``page_settings``) and on service groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import page_settings, service_group_members, service_groups


async def list_page_settings(*, conn: AsyncConnection) -> list[RowMapping]:
    return list((await conn.execute(select(page_settings))).mappings())


async def put_page_settings(*, conn: AsyncConnection, values: Mapping[str, tuple[Any, Any]],
                            at: datetime, by: str) -> None:
    """Set each key to ``(value, blob)``; a key set to ``(None, None)`` is removed (its
    environment default applies again)."""
    if not values:
        return
    await conn.execute(delete(page_settings).where(page_settings.c.key.in_(list(values))))
    rows = [{"key": k, "value": v, "blob": b, "updated_at": at, "updated_by": by}
            for k, (v, b) in values.items() if v is not None or b is not None]
    if rows:
        await conn.execute(insert(page_settings), rows)


async def list_groups(*, conn: AsyncConnection) -> tuple[list[RowMapping], list[RowMapping]]:
    """The groups in position order, and their members in position order."""
    groups = (await conn.execute(select(service_groups).order_by(
        service_groups.c.position, service_groups.c.id))).mappings()
    members = (await conn.execute(select(service_group_members).order_by(
        service_group_members.c.group_id, service_group_members.c.position))).mappings()
    return list(groups), list(members)


async def lock_groups(*, conn: AsyncConnection) -> None:
    """Serialize replacements of the groups (PostgreSQL; SQLite writes one at a time)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(select(service_groups.c.id).with_for_update())


async def replace_groups(*, conn: AsyncConnection, groups: Sequence[Mapping[str, Any]],
                         members: Sequence[Mapping[str, Any]]) -> None:
    await conn.execute(delete(service_group_members))
    await conn.execute(delete(service_groups))
    if groups:
        await conn.execute(insert(service_groups), list(groups))
    if members:
        await conn.execute(insert(service_group_members), list(members))
