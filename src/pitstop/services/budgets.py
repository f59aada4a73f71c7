"""Disruption budgets: set, list, remove, and the check a node's enter goes through."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.rolls import Breach, Budget, breached, budget_text, selector_key
from pitstop.domain.targets import validate_labels
from pitstop.errors import BudgetExceeded, InvalidInput, NotFound
from pitstop.services.events import Event
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot
from pitstop.services.targets import in_maintenance
from pitstop.storage import rolls as rolls_q


def budget_from_row(row: RowMapping) -> Budget:
    return Budget(dict(row["selector"]), int(row["max_unavailable"]))


def budget_json(budget: Budget) -> dict[str, Any]:
    return {"key": budget.key, "selector": dict(budget.selector),
            "max_unavailable": budget.max_unavailable}


def row_json(row: RowMapping) -> dict[str, Any]:
    return {**budget_json(budget_from_row(row)), "updated_at": row["updated_at"],
            "updated_by": row["updated_by"]}


def node_labels(state: Snapshot) -> Mapping[str, Mapping[str, str]]:
    """Every node target's labels, registered with an agent or not: read from the snapshot
    as the rules look them up (a budget check looks at a few nodes, not at every one)."""
    return _NodeLabels(state)


class _NodeLabels(Mapping[str, Mapping[str, str]]):
    __slots__ = ("_targets",)

    def __init__(self, state: Snapshot) -> None:
        self._targets = state.targets

    def __getitem__(self, target: str) -> Mapping[str, str]:
        record = self._targets[target]
        if record.kind != "node":
            raise KeyError(target)
        return record.labels

    def __iter__(self) -> Iterator[str]:
        return (t for t, r in self._targets.items() if r.kind == "node")

    def __len__(self) -> int:
        return sum(1 for _ in self)


def unavailable_nodes(state: Snapshot, now: datetime) -> set[str]:
    """Node targets in maintenance now, for any cause (their effective state)."""
    return in_maintenance(state, now, kind="node")


async def current_budgets(conn: AsyncConnection) -> list[Budget]:
    return [budget_from_row(r) for r in await rolls_q.list_budgets(conn=conn)]


def breach_json(breach: Breach) -> dict[str, Any]:
    return {"budget": budget_json(breach.budget), "node": breach.node,
            "in_maintenance": list(breach.unavailable)}


async def check_enter(conn: AsyncConnection, rt: Runtime, target: str, *, force: bool,
                      now: datetime) -> Breach | None:
    """Refuse (BudgetExceeded) an enter that would newly take ``target`` down beyond a
    budget; with ``force`` (an admin's), return the breach for the audit instead."""
    if rt.state.targets.get(target) is None or rt.state.targets[target].kind != "node":
        return None
    budgets = [budget_from_row(r) for r in await rolls_q.locked_budgets(conn=conn)]
    if not budgets:
        return None
    down = unavailable_nodes(rt.state, now) | await rolls_q.switched_nodes(conn=conn, now=now)
    breach = breached(budgets, target, node_labels(rt.state), down)
    if breach is None or force:
        return breach
    raise BudgetExceeded(
        f"entering {target} is refused: {budget_text(breach)}; wait for one to exit "
        "maintenance, or (admins) force it with force: true (audited)",
        **breach_json(breach))


def _checked(selector: dict[str, str], max_unavailable: int) -> dict[str, str]:
    if not selector:
        raise InvalidInput("a budget's selector needs at least one label", field="selector")
    try:
        selector = validate_labels(selector)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="selector") from None
    if max_unavailable < 0:
        raise InvalidInput("max_unavailable must be 0 or more", field="max_unavailable")
    return selector


async def list_budgets(*, rt: Runtime) -> list[dict[str, Any]]:
    async with rt.db.read() as conn:
        return [row_json(r) for r in await rolls_q.list_budgets(conn=conn)]


async def set_budget(*, rt: Runtime, selector: dict[str, str], max_unavailable: int,
                     actor: str) -> tuple[dict[str, Any], bool]:
    """Create or replace the budget of ``selector``; (its JSON, whether it is new)."""
    selector = _checked(selector, max_unavailable)
    now = clock.now()
    values = {"key": selector_key(selector), "selector": selector,
              "max_unavailable": max_unavailable, "updated_at": now, "updated_by": actor}
    async with rt.db.write() as conn:
        created = await rolls_q.put_budget(conn=conn, values=values)
        data = budget_json(Budget(selector, max_unavailable))
        events = await rt.eventlog.record_change(
            conn, Event("budget.set", None, now, data), actor=actor, details={"after": data})
    rt.publish(events)
    return {**data, "updated_at": now, "updated_by": actor}, created


async def remove_budget(*, rt: Runtime, key: str, actor: str) -> None:
    now = clock.now()
    async with rt.db.write() as conn:
        if not await rolls_q.delete_budget(conn=conn, key=key):
            raise NotFound(f"no disruption budget {key!r}; see GET /v1/disruption-budgets",
                           budget=key)
        events = await rt.eventlog.record_change(
            conn, Event("budget.removed", None, now, {"key": key}), actor=actor,
            details={"before": key})
    rt.publish(events)
