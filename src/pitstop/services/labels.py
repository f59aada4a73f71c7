"""Targets as operators manage them: create a node or service target, relabel one, delete
one that nothing refers to any more."""

from __future__ import annotations

from typing import Any

from pitstop import clock
from pitstop.domain.targets import PLATFORM, parse_target, validate_labels, validate_reason
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services.events import Event
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot
from pitstop.services.targets import (
    TargetView,
    check_target_id,
    describe_target,
    locked_target,
    save_labels,
)
from pitstop.storage import targets as targets_q


async def put_target(
    *, rt: Runtime, target: str, labels: dict[str, str], actor: str
) -> tuple[bool, TargetView]:
    """Create a node or service target, or replace a target's labels. Returns (created, view)."""
    target_id = str(parse_target(check_target_id(target)))
    try:
        labels = validate_labels(labels)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="labels") from None
    async with rt.db.write() as conn:
        event = await save_labels(conn, target_id, labels, actor=actor, now=clock.now())
        events = await rt.eventlog.record(conn, [event] if event else [])
    rt.publish(events)
    created = event is not None and event.type == "target.created"
    return created, describe_target(rt.state, target_id)


async def delete_target(*, rt: Runtime, target: str, reason: str, actor: str) -> None:
    """Delete a node or service target, audited. Refused (409, saying what to do first)
    while it is in maintenance, has work in flight, or anything still refers to it."""
    target_id = str(parse_target(check_target_id(target)))
    try:
        reason = validate_reason(reason)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="reason") from None
    if target_id == PLATFORM:
        raise Conflict("the platform target always exists and cannot be deleted",
                       target=target_id)
    now = clock.now()
    async with rt.db.write() as conn:
        row = await locked_target(conn, target_id)  # lease admission waits on this lock
        if row is None:
            raise NotFound(f"target {target_id!r} does not exist", target=target_id)
        if row["maint_on"]:
            raise Conflict(f"{target_id} is in maintenance: end it first (pitstop exit "
                           f"{target_id} --reason ...), then delete it", target=target_id)
        refs = await targets_q.references(conn=conn, target=target_id)
        _refuse_referenced(target_id, refs, _windows_naming(rt.state, target_id))
        await targets_q.delete_target(conn=conn, target=target_id)
        events = await rt.eventlog.record_change(
            conn, Event("target.deleted", target_id, now, {"reason": reason}, target_id),
            actor=actor, reason=reason, details={"before": {"labels": dict(row["labels"])}})
    rt.publish(events)


def _windows_naming(state: Snapshot, target: str) -> list[str]:
    return [f"{w.id} ({w.title})" for w in sorted(state.windows.values(), key=lambda w: w.id)
            if any(s.target == target for s in w.affects)]


def _refuse_referenced(target: str, refs: dict[str, list[Any]], windows: list[str]) -> None:
    """One 409 naming the first thing that still refers to ``target`` and how to end it."""
    name = target.partition(":")[2]
    todo = [
        (refs["leases"], f"{len(refs['leases'])} lease(s) in flight on {target}: let them "
         f"finish, or release them (pitstop leases list --target {target}; pitstop leases "
         "release ID --reason ...)"),
        (refs["node"], f"{target} is a registered node: unregister it first (pitstop nodes "
         f"delete {name})"),
        (windows, f"window(s) {', '.join(windows)} name {target}: edit or delete them first "
         "(pitstop windows edit ID / pitstop windows delete ID)"),
        (refs["subscriptions"], f"subscription(s) {', '.join(refs['subscriptions'])} name "
         f"{target}: delete them first (pitstop subscriptions delete ID)"),
        (refs["groups"], f"{target} is in the service group {', '.join(refs['groups'])}: "
         "take it out of the group first (pitstop service-groups set)"),
    ]
    for found, message in todo:
        if found:
            raise Conflict(f"cannot delete {target}: {message}", target=target)
