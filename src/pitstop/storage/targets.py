"""Queries on targets and their switches."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.sqlite_fast import FastConnection
from pitstop.storage.tables import (
    leases,
    nodes,
    service_group_members,
    service_groups,
    subscriptions,
    targets,
)

CHUNK = 500  # ids per IN list when rows are read by id


async def list_targets(*, conn: AsyncConnection) -> list[RowMapping]:
    result = await conn.execute(select(targets).order_by(targets.c.id))
    return list(result.mappings())


async def target_versions(*, conn: AsyncConnection) -> dict[str, int]:
    """Every target's id and version: what a refresh compares before reading rows."""
    return dict((await conn.execute(select(targets.c.id, targets.c.version))).all())


async def get_targets(*, conn: AsyncConnection, ids: list[str]) -> list[RowMapping]:
    out: list[RowMapping] = []
    for start in range(0, len(ids), CHUNK):
        stmt = select(targets).where(targets.c.id.in_(ids[start:start + CHUNK]))
        out.extend((await conn.execute(stmt)).mappings())
    return out


async def get_target(*, conn: AsyncConnection, target: str) -> RowMapping | None:
    result = await conn.execute(select(targets).where(targets.c.id == target))
    return result.mappings().first()


def _lock(exclusive: bool):  # type: ignore[no-untyped-def]
    return (
        select(targets)
        .where(targets.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(targets.c.id)
        .with_for_update(read=not exclusive)
    )


_LOCK_SHARE, _LOCK_EXCLUSIVE = _lock(False), _lock(True)


async def lock_targets(
    *, conn: AsyncConnection | FastConnection, ids: tuple[str, ...], exclusive: bool
) -> dict[str, Any]:
    """Read the rows of ``ids`` under a row lock (share or exclusive), in id order.

    On PostgreSQL the lock makes enter and lease admission serialize on these rows; on SQLite
    the write transaction already holds the database write lock and FOR ... is not rendered.
    """
    result = await conn.execute(_LOCK_EXCLUSIVE if exclusive else _LOCK_SHARE, {"ids": ids})
    return {row["id"]: row for row in result.mappings()}


async def insert_target(*, conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(targets.insert().values(**values))


async def update_target(
    *, conn: AsyncConnection, target: str, expected_version: int, values: dict[str, Any]
) -> bool:
    """Conditional update: False when another writer changed the row first."""
    result = await conn.execute(
        update(targets)
        .where(targets.c.id == target, targets.c.version == expected_version)
        .values(version=expected_version + 1, **values)
    )
    return result.rowcount == 1


async def switches_on(*, conn: AsyncConnection) -> list[RowMapping]:
    """Every target whose switch is on, locked for update (the expiry job's candidates)."""
    result = await conn.execute(select(targets).where(targets.c.maint_on.is_(True))
                                .order_by(targets.c.id).with_for_update())
    return list(result.mappings())


async def references(*, conn: AsyncConnection, target: str) -> dict[str, list[str]]:
    """What still points at ``target`` and keeps it from being deleted: leases in flight,
    its registered node, channel subscriptions naming it, the service group it is in."""
    found = {
        "leases": select(leases.c.id).where(leases.c.target == target,
                                            leases.c.state == "active"),
        "node": select(nodes.c.target).where(nodes.c.target == target),
        "subscriptions": select(subscriptions.c.id).where(subscriptions.c.target == target),
        "groups": select(service_groups.c.name).join(
            service_group_members, service_group_members.c.group_id == service_groups.c.id
        ).where(service_group_members.c.service == target),
    }
    return {kind: [str(v) for v in (await conn.execute(stmt)).scalars()]
            for kind, stmt in found.items()}


async def delete_target(*, conn: AsyncConnection, target: str) -> None:
    """Delete the row, with its ended leases (their durations served estimates; the audit
    keeps what happened)."""
    await conn.execute(delete(leases).where(leases.c.target == target,
                                            leases.c.state != "active"))
    await conn.execute(delete(targets).where(targets.c.id == target))
