"""Rolling maintenance: a roll's record on the server, driven step by step by a CLI run.

The server keeps the roll and enforces its rules; the driver (``pitstop roll``) takes each
node it is given through maintenance under the roll's own hold (``roll-<id>``) and reports
every step. Claims are conditional updates on the roll's version, so two claims never both
see room for one more node; every call names its driver, so a second run cannot drive a
roll another one is driving (it resumes it once nothing is in progress).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain import rolls as rules
from pitstop.domain.targets import validate_labels, validate_reason
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services import budgets
from pitstop.services.events import Event
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage import rolls as rolls_q


def hold_key(roll_id: int) -> str:
    return f"roll-{roll_id}"


def _name(target: str) -> str:
    return target.split(":", 1)[1]


def held_by_roll(rt: Runtime, roll_id: int) -> list[str]:
    """Node targets in maintenance under the roll's own hold (its failed nodes stay)."""
    key = hold_key(roll_id)
    return sorted(t for t, s in rt.state.switches().items()
                  if t.startswith("node:") and any(h.key == key for h in s.holds))


def roll_json(rt: Runtime, row: RowMapping, steps: Sequence[RowMapping]) -> dict[str, Any]:
    statuses = [s["status"] for s in steps]
    return {
        "id": row["id"], "selector": row["selector"], "max_unavailable": row["max_unavailable"],
        "reason": row["reason"], "command": row["command"], "check": row["check"],
        "status": rules.roll_status(statuses), "hold": hold_key(row["id"]),
        "driver": row["driver"], "created_at": row["created_at"],
        "created_by": row["created_by"], "updated_at": row["updated_at"],
        "progress": {"done": statuses.count(rules.DONE), "total": len(statuses)},
        "in_maintenance": [_name(t) for t in held_by_roll(rt, row["id"])],
        "steps": [{"node": _name(s["node"]), "status": s["status"], "attempts": s["attempts"],
                   "started_at": s["started_at"], "finished_at": s["finished_at"],
                   "command_ok_at": s["command_ok_at"], "message": s["message"]}
                  for s in steps],
    }


async def _load(conn: AsyncConnection, roll_id: int) -> tuple[RowMapping, list[RowMapping]]:
    row = await rolls_q.get_roll(conn=conn, roll_id=roll_id)
    if row is None:
        raise NotFound(f"no roll {roll_id}; see GET /v1/rolls", roll=roll_id)
    return row, await rolls_q.roll_steps(conn=conn, roll_ids=[roll_id])


def _driven_by(row: RowMapping, driver: str) -> None:
    if row["driver"] != driver:
        raise Conflict(f"roll {row['id']} is driven by another run ({row['driver']}); "
                       f"resume it when that one has stopped: pitstop roll resume {row['id']}",
                       roll=row["id"], driver=row["driver"])


def _validated(selector: dict[str, str], max_unavailable: int, reason: str,
               command: list[str], driver: str) -> tuple[dict[str, str], str]:
    try:
        selector, reason = validate_labels(selector), validate_reason(reason)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="selector" if "label" in str(exc) else "reason"
                           ) from None
    if not selector:
        raise InvalidInput("a roll's selector needs at least one label", field="selector")
    if max_unavailable < 1:
        raise InvalidInput("max_unavailable must be at least 1", field="max_unavailable")
    if not command or not driver:
        raise InvalidInput("a roll needs its command and its driver", field="command")
    return selector, reason


async def create_roll(*, rt: Runtime, selector: dict[str, str], max_unavailable: int,
                      reason: str, command: list[str], check: str | None, driver: str,
                      actor: str) -> dict[str, Any]:
    """Record a roll over the registered nodes whose labels match, in name order, every
    step pending, driven by ``driver``."""
    selector, reason = _validated(selector, max_unavailable, reason, command, driver)
    targets = sorted(n.target for n in rt.state.nodes.values()
                     if (t := rt.state.targets.get(n.target)) is not None
                     and rules.matches(selector, t.labels))
    if not targets:
        raise NotFound(f"no registered node has the labels {rules.selector_key(selector)}",
                       labels=selector)
    now = clock.now()
    async with rt.db.write() as conn:
        roll_id = await rolls_q.insert_roll(conn=conn, nodes=targets, values={
            "selector": selector, "max_unavailable": max_unavailable, "reason": reason,
            "command": command, "check": check, "driver": driver, "created_at": now,
            "created_by": actor, "updated_at": now})
        data = {"roll": roll_id, "nodes": [_name(t) for t in targets],
                "max_unavailable": max_unavailable}
        events = await rt.eventlog.record_change(
            conn, Event("roll.created", None, now, data), actor=actor, reason=reason,
            details=data)
        out = roll_json(rt, *await _load(conn, roll_id))
    rt.publish(events)
    return out


async def get_roll(*, rt: Runtime, roll_id: int) -> dict[str, Any]:
    async with rt.db.read() as conn:
        return roll_json(rt, *await _load(conn, roll_id))


async def list_rolls(*, rt: Runtime, limit: int = rolls_q.LIMIT) -> list[dict[str, Any]]:
    """Newest first."""
    async with rt.db.read() as conn:
        rows = await rolls_q.list_rolls(conn=conn, limit=limit)
        steps = await rolls_q.roll_steps(conn=conn, roll_ids=[r["id"] for r in rows])
    return [roll_json(rt, r, [s for s in steps if s["roll_id"] == r["id"]]) for r in rows]


async def _choice(conn: AsyncConnection, rt: Runtime, row: RowMapping,
                  steps: list[RowMapping], now: datetime) -> rules.Choice:
    """What the roll may do now: its own limit, then every budget, counting the nodes
    in maintenance and those other rolls are taking there."""
    starting = {s["node"] for s in await rolls_q.active_steps(conn=conn)}
    return rules.choose(((s["node"], s["status"]) for s in steps),
                        held_by_roll(rt, row["id"]), row["max_unavailable"],
                        await budgets.current_budgets(conn), budgets.node_labels(rt.state),
                        budgets.unavailable_nodes(rt.state, now) | starting)


async def _try_claim(rt: Runtime, roll_id: int, driver: str
                     ) -> tuple[rules.Choice, RowMapping | None]:
    """One attempt: (the choice, the step this call claimed, if it did)."""
    now = clock.now()
    async with rt.db.write() as conn:
        row, steps = await _load(conn, roll_id)
        _driven_by(row, driver)
        choice = await _choice(conn, rt, row, steps, now)
        if choice.next is not rules.Next.START:
            return choice, None
        # Another claim of this roll (another replica) got there first: ask again.
        if not await rolls_q.bump_roll(conn=conn, roll_id=roll_id, version=row["version"],
                                       values={"updated_at": now}):
            return choice, None
        step = next(s for s in steps if s["node"] == choice.node)
        await rolls_q.move_step(conn=conn, roll_id=roll_id, node=step["node"],
                                expected=rules.PENDING, values={
                                    "status": rules.move(rules.PENDING, rules.ENTERING),
                                    "started_at": now,
                                    "finished_at": None, "message": None,
                                    "attempts": step["attempts"] + 1})
        events = await rt.eventlog.record(conn, [_step_event(roll_id, step["node"],
                                                             rules.ENTERING, None, now)])
    rt.publish(events)
    return choice, step


def _step_event(roll_id: int, target: str, status: str, message: str | None,
                now: datetime) -> Event:
    return Event("roll.step", target, now, {"roll": roll_id, "node": _name(target),
                                            "status": status, "message": message})


async def claim_step(*, rt: Runtime, roll_id: int, driver: str, wait_s: float
                     ) -> dict[str, Any]:
    """The next node for ``driver`` to take through maintenance (its step now
    ``entering``), waiting up to ``wait_s`` (woken by changes) while the roll or a budget
    is at its limit. ``next`` says what happened: start, wait (the wait ran out: ask
    again), finished (nothing left to start) or stopped (a step failed).
    ``command_done``: the node's command succeeded before (its health check failed), so the
    driver checks it again without running the command twice."""
    loop_until = clock.monotonic() + min(wait_s, rt.settings.max_wait_ms / 1000)
    while True:
        generation = rt.state.fleet_generation
        choice, claimed = await _try_claim(rt, roll_id, driver)
        if claimed is not None or choice.next in (rules.Next.FINISHED, rules.Next.STOPPED):
            break
        remaining = loop_until - clock.monotonic()
        if choice.next is rules.Next.WAIT and remaining <= 0:
            break
        if choice.next is rules.Next.WAIT:
            await rt.state.wait_for(lambda g=generation: rt.state.fleet_generation != g,
                                    remaining)
    out: dict[str, Any] = {"next": str(choice.next), "why": choice.why,
                           "node": _name(choice.node) if choice.node else None,
                           "command_done": bool(claimed and claimed["command_ok_at"])}
    if choice.breach is not None:
        out["budget"] = budgets.budget_json(choice.breach.budget)
    return out


def _step(steps: list[RowMapping], roll_id: int, node: str) -> RowMapping:
    step = next((s for s in steps if s["node"] == f"node:{node}"), None)
    if step is None:
        raise NotFound(f"roll {roll_id} has no step for node {node!r}", roll=roll_id,
                       node=node)
    return step


async def advance_step(*, rt: Runtime, roll_id: int, node: str, driver: str, to: str,
                       message: str | None = None, actor: str) -> dict[str, Any]:
    """Move one step along the table (``domain.rolls.MOVES``), as its driver. A failed
    step stops the roll (audited ``roll.failed``); the last step done finishes it
    (``roll.finished``)."""
    now = clock.now()
    async with rt.db.write() as conn:
        row, steps = await _load(conn, roll_id)
        _driven_by(row, driver)
        step = _step(steps, roll_id, node)
        rules.move(step["status"], to)
        if not await rolls_q.move_step(conn=conn, roll_id=roll_id, node=step["node"],
                                       expected=step["status"],
                                       values=_step_values(step, to, message, now)):
            raise Conflict(f"the step of {node} changed meanwhile; read the roll again",
                           roll=roll_id, node=node)
        events = [_step_event(roll_id, step["node"], to, message, now)]
        ended = _ending(to, [to if s is step else s["status"] for s in steps])
        if ended:
            events.append(await _roll_ended(conn, ended, roll_id, step["node"], message,
                                            actor, now))
        events = await rt.eventlog.record(conn, events)
        out = roll_json(rt, *await _load(conn, roll_id))
    rt.publish(events)
    return out


def _step_values(step: RowMapping, to: str, message: str | None, now: datetime
                 ) -> dict[str, Any]:
    values: dict[str, Any] = {"status": to, "message": message}
    if to in (rules.DONE, rules.FAILED):
        values["finished_at"] = now
    if to == rules.CHECKING and step["status"] == rules.RUNNING:
        values["command_ok_at"] = now  # the driver reports checking after exit 0
    return values


async def _roll_ended(conn: AsyncConnection, ended: str, roll_id: int, target: str,
                      message: str | None, actor: str, now: datetime) -> Event:
    """Audit ``roll.failed`` or ``roll.finished``; the event that says so."""
    data = {"roll": roll_id, "node": _name(target), "message": message}
    await audit_q.append_audit(conn=conn, at=now, actor=actor, action=f"roll.{ended}",
                               target=target, reason=message, details=data)
    return Event(f"roll.{ended}", None, now, data)


def _ending(to: str, statuses: list[str]) -> str | None:
    if to == rules.FAILED:
        return "failed"
    if to == rules.DONE and rules.roll_status(statuses) == "done":
        return "finished"
    return None


def _resumable(roll_id: int, steps: list[RowMapping], take_over: bool) -> list[RowMapping]:
    """The steps in progress a resume takes over; Conflict when it may not resume."""
    active = [s for s in steps if s["status"] in rules.ACTIVE]
    if active and not take_over:
        raise Conflict(
            f"roll {roll_id} has steps in progress ("
            + ", ".join(_name(s["node"]) for s in active) + "): its driver is still at "
            "work; resume once they end, or take over with --take-over", roll=roll_id)
    if rules.roll_status(s["status"] for s in steps) == "done":
        raise Conflict(f"roll {roll_id} is done; nothing to resume", roll=roll_id)
    return active


async def resume_roll(*, rt: Runtime, roll_id: int, driver: str, actor: str,
                      take_over: bool = False) -> dict[str, Any]:
    """Make ``driver`` the roll's driver and its failed steps pending again.

    Refused while a step is in progress (its driver is still at work), unless
    ``take_over``: a driver that died mid-step leaves its steps in progress for ever, so
    they are marked failed (then pending) and the new driver starts them again.
    """
    now = clock.now()
    async with rt.db.write() as conn:
        row, steps = await _load(conn, roll_id)
        active = _resumable(roll_id, steps, take_over)
        if not await rolls_q.bump_roll(conn=conn, roll_id=roll_id, version=row["version"],
                                       values={"driver": driver, "updated_at": now}):
            raise Conflict(f"roll {roll_id} was resumed by another call meanwhile",
                           roll=roll_id)
        for step in active:
            await rolls_q.move_step(conn=conn, roll_id=roll_id, node=step["node"],
                                    expected=step["status"], values={
                                        "status": rules.move(step["status"], rules.FAILED),
                                        "finished_at": now,
                                        "message": f"taken over by {actor}"})
        reset = await rolls_q.move_all(conn=conn, roll_id=roll_id, expected=rules.FAILED,
                                       status=rules.move(rules.FAILED, rules.PENDING))
        data = {"roll": roll_id, "reset": reset, "taken_over": [_name(s["node"])
                                                                for s in active]}
        events = await rt.eventlog.record_change(
            conn, Event("roll.resumed", None, now, data), actor=actor, details=data)
        out = roll_json(rt, *await _load(conn, roll_id))
    rt.publish(events)
    return out
