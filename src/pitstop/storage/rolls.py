"""Queries on rolls, their steps, and disruption budgets. Nothing here commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.storage.tables import disruption_budgets as budgets
from pitstop.storage.tables import roll_steps as steps
from pitstop.storage.tables import rolls, targets

LIMIT = 100


async def insert_roll(*, conn: AsyncConnection, values: dict[str, Any],
                      nodes: list[str]) -> int:
    result = await conn.execute(insert(rolls).values(version=1, **values)
                                .returning(rolls.c.id))
    roll_id = int(result.scalar_one())
    await conn.execute(insert(steps), [
        {"roll_id": roll_id, "node": node, "position": i, "status": "pending", "attempts": 0}
        for i, node in enumerate(nodes)])
    return roll_id


async def get_roll(*, conn: AsyncConnection, roll_id: int) -> RowMapping | None:
    return (await conn.execute(select(rolls).where(rolls.c.id == roll_id))).mappings().first()


async def list_rolls(*, conn: AsyncConnection, limit: int = LIMIT) -> list[RowMapping]:
    """Newest first."""
    stmt = select(rolls).order_by(rolls.c.id.desc()).limit(limit)
    return list((await conn.execute(stmt)).mappings())


async def roll_steps(*, conn: AsyncConnection, roll_ids: list[int]) -> list[RowMapping]:
    """The steps of these rolls, each roll's in its order."""
    if not roll_ids:
        return []
    stmt = (select(steps).where(steps.c.roll_id.in_(roll_ids))
            .order_by(steps.c.roll_id, steps.c.position))
    return list((await conn.execute(stmt)).mappings())


async def bump_roll(*, conn: AsyncConnection, roll_id: int, version: int,
                    values: dict[str, Any]) -> bool:
    """Move the roll's version on from ``version``; False when another call got there
    first (the row's version moved meanwhile)."""
    result = await conn.execute(
        update(rolls).where(rolls.c.id == roll_id, rolls.c.version == version)
        .values(version=rolls.c.version + 1, **values))
    return result.rowcount == 1


async def move_step(*, conn: AsyncConnection, roll_id: int, node: str, expected: str,
                    values: dict[str, Any]) -> bool:
    """Change a step only if it still has the ``expected`` status."""
    result = await conn.execute(
        update(steps).where(steps.c.roll_id == roll_id, steps.c.node == node,
                            steps.c.status == expected).values(**values))
    return result.rowcount == 1


async def move_all(*, conn: AsyncConnection, roll_id: int, expected: str, status: str) -> int:
    """Every step of the roll in ``expected`` moves to ``status`` (the move the caller took
    from the lifecycle table); how many did."""
    result = await conn.execute(
        update(steps).where(steps.c.roll_id == roll_id, steps.c.status == expected)
        .values(status=status, finished_at=None))
    return int(result.rowcount)


async def active_steps(*, conn: AsyncConnection) -> list[RowMapping]:
    """Steps of every roll whose node is being taken through maintenance now."""
    stmt = select(steps).where(steps.c.status.in_(("entering", "draining", "running",
                                                   "checking")))
    return list((await conn.execute(stmt)).mappings())


async def list_budgets(*, conn: AsyncConnection) -> list[RowMapping]:
    return list((await conn.execute(select(budgets).order_by(budgets.c.key))).mappings())


async def put_budget(*, conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """Insert or replace the budget of ``values["key"]``; True when it is new."""
    result = await conn.execute(update(budgets).where(budgets.c.key == values["key"])
                                .values(**values))
    if result.rowcount == 1:
        return False
    await conn.execute(insert(budgets).values(**values))
    return True


async def delete_budget(*, conn: AsyncConnection, key: str) -> bool:
    result = await conn.execute(delete(budgets).where(budgets.c.key == key))
    return result.rowcount == 1


async def locked_budgets(*, conn: AsyncConnection) -> list[RowMapping]:
    """Every budget, locked until the transaction ends: enters checked against the same
    budgets on two replicas take turns (SQLite's one writer does so anyway)."""
    stmt = select(budgets).order_by(budgets.c.key).with_for_update()
    return list((await conn.execute(stmt)).mappings())


async def switched_nodes(*, conn: AsyncConnection, now: datetime) -> set[str]:
    """Node targets whose switch is on and not expired, as committed: what another
    replica entered a moment ago, before its event reached this one's memory."""
    stmt = select(targets.c.id).where(
        targets.c.kind == "node", targets.c.maint_on.is_(True),
        or_(targets.c.maint_expires_at.is_(None), targets.c.maint_expires_at > now))
    return set((await conn.execute(stmt)).scalars())
