"""Manual maintenance switches: enter, exit, expire, and waiting for a target to drain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.targets import PLATFORM, validate_reason
from pitstop.errors import InvalidInput, NotFound
from pitstop.services import eventlog
from pitstop.services.events import Event
from pitstop.services.records import (
    iso_z,
    lease_from_row,
    switch_from_row,
    switch_json,
    target_from_row,
)
from pitstop.services.runtime import Runtime
from pitstop.services.targets import TargetView, check_target_id, describe_target
from pitstop.storage import audit as audit_q
from pitstop.storage import leases as leases_q
from pitstop.storage import targets as targets_q

SYSTEM = "system"
_OFF = {"maint_on": False, "maint_reason": None, "maint_actor": None, "maint_since": None,
        "maint_expires_at": None}


@dataclass(frozen=True, slots=True)
class SwitchResult:
    changed: bool
    message: str
    view: TargetView
    safe_reached: bool | None = None  # set when the caller asked to wait

    def to_json(self) -> dict[str, Any]:
        out = {"changed": self.changed, "message": self.message, "target": self.view.to_json()}
        if self.safe_reached is not None:
            out["waited"] = {"safe_to_deploy": self.view.drain.safe_to_deploy,
                             "timed_out": not self.safe_reached}
        return out


def _reason(reason: str) -> str:
    try:
        return validate_reason(reason)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="reason") from None


async def _locked_target(conn: AsyncConnection, target: str) -> RowMapping:
    rows = await targets_q.lock_targets(conn=conn, ids=(target,), exclusive=True)
    if target not in rows:
        raise NotFound(
            f"target {target!r} does not exist; create it with PUT /v1/targets/{target}",
            target=target,
        )
    return rows[target]


async def _switch_off(
    conn: AsyncConnection, row: RowMapping, *, actor: str, reason: str, now: datetime,
    action: str = "maintenance.exited",
) -> Event:
    """Turn a stored switch off, with its audit row; returns the event to publish."""
    await targets_q.update_target(conn=conn, target=row["id"], expected_version=row["version"],
                                  values={**_OFF, "updated_at": now})
    await audit_q.append_audit(
        conn=conn, at=now, actor=actor, action=action, target=row["id"],
        reason=reason, details={"before": switch_json(switch_from_row(row)), "after": None},
    )
    fresh = await targets_q.get_target(conn=conn, target=row["id"])
    assert fresh is not None
    return Event("maintenance.exited", row["id"], now, {"reason": reason, "actor": actor},
                 target_from_row(fresh))


def _expiry_reason(row: RowMapping) -> str:
    return f"maintenance expired at {iso_z(row['maint_expires_at'])}"


async def enter_maintenance(
    *, rt: Runtime, target: str, reason: str, actor: str, expires_at: datetime | None = None,
    action: str = "maintenance.entered",
) -> SwitchResult:
    """Turn ``target``'s switch on. Entering a target whose switch is on changes nothing.

    The transaction holds the target's row exclusively, so every lease admitted before the
    commit is visible to the lease read below, and none is admitted after it.
    """
    target, reason = check_target_id(target), _reason(reason)
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(
            f"expires_at {iso_z(expires_at)} is in the past; give a future time or omit it",
            field="expires_at",
        )
    events: list[Event] = []
    async with rt.db.write() as conn:
        row = await _locked_target(conn, target)
        switch = switch_from_row(row)
        changed = switch is None or not switch.active_at(now)
        if changed:
            if switch is not None:  # expired but not yet recorded: record its end first
                events.append(await _switch_off(conn, row, actor=SYSTEM,
                                                reason=_expiry_reason(row), now=now))
                row = await _locked_target(conn, target)
            values = {"maint_on": True, "maint_reason": reason, "maint_actor": actor,
                      "maint_since": now, "maint_expires_at": expires_at, "updated_at": now}
            await targets_q.update_target(conn=conn, target=target,
                                          expected_version=row["version"], values=values)
            fresh = await targets_q.get_target(conn=conn, target=target)
            assert fresh is not None
            record = target_from_row(fresh)
            await audit_q.append_audit(
                conn=conn, at=now, actor=actor, action=action, target=target,
                reason=reason, details={"before": None, "after": switch_json(record.switch)},
            )
            events.append(Event("maintenance.entered", target, now,
                                {"reason": reason, "actor": actor}, record))
        in_flight = await leases_q.active_leases(
            conn=conn, targets=None if target == PLATFORM else (target,))
        events = await eventlog.record(conn, events)
    # Leases first: what is published (drain.safe above all) must count every lease the
    # transaction saw, including those admitted on another replica a moment ago.
    rt.state.reconcile_leases(lease_from_row(r) for r in in_flight)
    rt.publish(events)
    message = (f"{target} entered maintenance" if changed
               else f"{target} was already in maintenance; nothing changed")
    return SwitchResult(changed, message, describe_target(rt.state, target))


async def exit_maintenance(*, rt: Runtime, target: str, reason: str, actor: str,
                           action: str = "maintenance.exited") -> SwitchResult:
    """Turn ``target``'s switch off. Other causes (platform maintenance) may remain."""
    target, reason = check_target_id(target), _reason(reason)
    now = clock.now()
    events: list[Event] = []
    async with rt.db.write() as conn:
        row = await _locked_target(conn, target)
        switch = switch_from_row(row)
        changed = switch is not None and switch.active_at(now)
        if switch is not None:
            events.append(await _switch_off(
                conn, row, actor=actor if changed else SYSTEM,
                reason=reason if changed else _expiry_reason(row), now=now,
                action=action if changed else "maintenance.exited"))
        events = await eventlog.record(conn, events)
    rt.publish(events)
    view = describe_target(rt.state, target)
    if changed:
        message = f"{target} left maintenance"
        if view.state.in_maintenance:
            message += " (still in maintenance by " + ", ".join(
                c.source for c in view.state.causes) + ")"
    else:
        message = f"{target}'s switch was not on; nothing changed"
    return SwitchResult(changed, message, view)


async def wait_until_drained(*, rt: Runtime, target: str, timeout_s: float) -> bool:
    """Wait, woken by changes (not by polling), until ``target`` is safe to deploy or leaves
    maintenance. True when safe; False on timeout or when maintenance ended first."""
    def settled() -> bool:
        view = describe_target(rt.state, target)
        return view.drain.safe_to_deploy or not view.state.in_maintenance

    await rt.state.wait_for(settled, timeout_s)
    return describe_target(rt.state, target).drain.safe_to_deploy


async def expire_switches(*, rt: Runtime, now: datetime) -> int:
    """Turn off every switch whose ``expires_at`` has come, as actor ``system``."""
    events: list[Event] = []
    async with rt.db.write() as conn:
        for row in await targets_q.expired_switches(conn=conn, now=now):
            events.append(await _switch_off(conn, row, actor=SYSTEM,
                                            reason=_expiry_reason(row), now=now))
        events = await eventlog.record(conn, events)
    rt.publish(events)
    return len(events)


def next_switch_expiry(rt: Runtime) -> datetime | None:
    ends = [s.expires_at for s in rt.state.switches().values() if s.expires_at is not None]
    return min(ends, default=None)


async def enter_and_wait(
    *, rt: Runtime, target: str, reason: str, actor: str,
    expires_at: datetime | None = None, wait_s: float = 0,
) -> SwitchResult:
    """Enter maintenance and, with ``wait_s``, wait for the target to drain; the result
    describes the target as it is when the call returns."""
    result = await enter_maintenance(rt=rt, target=target, reason=reason, actor=actor,
                                     expires_at=expires_at)
    if not wait_s:
        return result
    safe = await wait_until_drained(rt=rt, target=target, timeout_s=wait_s)
    return SwitchResult(result.changed, result.message,
                        describe_target(rt.state, result.view.record.id), safe)


async def drained_view(*, rt: Runtime, target: str, timeout_s: float) -> TargetView:
    """The target's view once it is safe or has left maintenance, or when the wait ends."""
    describe_target(rt.state, target)  # 404 before waiting on a target that does not exist
    if timeout_s > 0:
        await wait_until_drained(rt=rt, target=target, timeout_s=timeout_s)
    return describe_target(rt.state, target)
