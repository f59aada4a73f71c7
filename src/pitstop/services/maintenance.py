"""Manual maintenance switches: enter, exit, expire, and waiting for a target to drain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.switches import Change, Hold, Switch, expired, live, release, take
from pitstop.domain.targets import (
    PLATFORM,
    validate_hold_key,
    validate_public_message,
    validate_reason,
)
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services import budgets
from pitstop.services.events import Event
from pitstop.services.records import (
    hold_to_json,
    iso_z,
    lease_from_row,
    switch_from_row,
    switch_json,
    switch_values,
    target_from_row,
)
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import TargetRecord
from pitstop.services.targets import (
    TargetView,
    change_target,
    check_target_id,
    describe_target,
    locked_target,
)
from pitstop.storage import audit as audit_q
from pitstop.storage import leases as leases_q
from pitstop.storage import targets as targets_q

SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class SwitchResult:
    outcome: Change  # what the call did to the caller's hold
    message: str
    view: TargetView
    safe_reached: bool | None = None  # set when the caller asked to wait

    @property
    def changed(self) -> bool:
        """The target's maintenance began or ended (not only its holders)."""
        return self.outcome in (Change.ENTERED, Change.EXITED)

    def to_json(self) -> dict[str, Any]:
        out = {"changed": self.changed, "outcome": str(self.outcome), "message": self.message,
               "target": self.view.to_json()}
        if self.safe_reached is not None:
            out["waited"] = {"safe_to_deploy": self.view.drain.safe_to_deploy,
                             "timed_out": not self.safe_reached}
        return out


def _checked(check: Callable[[Any], Any], value: Any, field: str) -> Any:
    try:
        return check(value)
    except ValueError as exc:
        raise InvalidInput(str(exc), field=field) from None


async def _locked_target(conn: AsyncConnection, target: str) -> RowMapping:
    row = await locked_target(conn, target)
    if row is None:
        raise NotFound(
            f"target {target!r} does not exist; create it with PUT /v1/targets/{target}",
            target=target,
        )
    return row


async def _save(conn: AsyncConnection, row: RowMapping, switch: Switch | None,
                now: datetime) -> tuple[RowMapping, TargetRecord]:
    """Store ``switch`` on the locked row; the row and record as they are now."""
    fresh = await change_target(conn, row, {**switch_values(switch), "updated_at": now})
    return fresh, target_from_row(fresh)


def _verb(action: str, verb: str) -> str:
    """``maintenance.entered`` -> ``maintenance.<verb>``, ``node.maintenance_entered`` ->
    ``node.maintenance_<verb>``."""
    head, _, last = action.rpartition(".")
    return f"{head}.{'maintenance_' if last.startswith('maintenance_') else ''}{verb}"


async def _record(conn: AsyncConnection, *, action: str, event: str, actor: str, reason: str,
                  record: TargetRecord, now: datetime, details: dict[str, Any],
                  data: dict[str, Any] | None = None) -> Event:
    await audit_q.append_audit(conn=conn, at=now, actor=actor, action=action,
                               target=record.id, reason=reason, details=details)
    return Event(event, record.id, now, {"reason": reason, "actor": actor, **(data or {})},
                 record)


async def _expire(conn: AsyncConnection, row: RowMapping, now: datetime
                  ) -> tuple[RowMapping, list[Event]]:
    """Record the end of every hold on the row that has expired by ``now``, as ``system``."""
    switch = switch_from_row(row)
    gone = expired(switch, now)
    if not gone:
        return row, []
    rest = live(switch, now)
    row, record = await _save(conn, row, rest, now)
    if rest is None:
        last = max((h.expires_at for h in gone if h.expires_at), default=now)
        return row, [await _record(
            conn, action="maintenance.exited", event="maintenance.exited", actor=SYSTEM,
            reason=f"maintenance expired at {iso_z(last)}", record=record, now=now,
            details={"before": switch_json(switch), "after": None})]
    events = []
    for hold in gone:
        assert hold.expires_at is not None
        events.append(await _record(
            conn, action="maintenance.left", event="maintenance.left", actor=SYSTEM,
            reason=f"hold of {hold.describe()} expired at {iso_z(hold.expires_at)}",
            record=record, now=now, details={"released": [hold_to_json(hold)],
                                             "after": switch_json(rest)}))
    return row, events


def _event_data(key: str, shared: Switch | None) -> dict[str, Any]:
    """Beyond who and why: the tool's hold name, and how many hold a shared switch."""
    return {**({"hold": key} if key else {}),
            **({"holders": len(shared.holds)} if shared else {})}


def _holders_text(switch: Switch | None) -> str:
    return "; ".join(h.describe() for h in switch.holds) if switch else "nobody"


async def enter_maintenance(
    *, rt: Runtime, target: str, reason: str, actor: str, expires_at: datetime | None = None,
    action: str = "maintenance.entered", hold: str | None = None,
    public_message: str | None = None, force: bool = False,
) -> SwitchResult:
    """Take the caller's hold on ``target``'s switch, turning it on if it was off.

    A node that would newly go into maintenance beyond a disruption budget is refused
    (BudgetExceeded); ``force`` (an admin's, checked by the route) enters anyway, and the
    audit entry records the budget as overridden.

    A second holder joins the maintenance (recorded, with who and why); the same hold taken
    again changes nothing. The transaction holds the target's row exclusively, so every
    lease admitted before the commit is visible to the lease read below, and none is
    admitted after it.
    """
    target, reason = check_target_id(target), _checked(validate_reason, reason, "reason")
    key = _checked(validate_hold_key, hold, "hold")
    public = _checked(validate_public_message, public_message, "public_message")
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInput(
            f"expires_at {iso_z(expires_at)} is in the past; give a future time or omit it",
            field="expires_at",
        )
    async with rt.db.write() as conn:
        row, events = await _expire(conn, await _locked_target(conn, target), now)
        before = switch_from_row(row)
        mine = Hold(actor, reason, now, expires_at, public, key)
        after, change = take(before, mine, target, now)
        breach = (await budgets.check_enter(conn, rt, target, force=force, now=now)
                  if change is Change.ENTERED else None)
        if change is not Change.UNCHANGED:
            row, record = await _save(conn, row, after, now)
            joined = change is Change.JOINED
            overridden = {"budget_overridden": budgets.breach_json(breach)} if breach else {}
            events.append(await _record(
                conn, action=_verb(action, "joined") if joined else action,
                event="maintenance.joined" if joined else "maintenance.entered",
                actor=actor, reason=reason, record=record, now=now,
                details={"before": switch_json(before), "after": switch_json(after),
                         "hold": hold_to_json(mine), **overridden},
                data=_event_data(key, after if joined else None)))
        in_flight = await leases_q.active_leases(
            conn=conn, targets=None if target == PLATFORM else (target,))
        events = await rt.eventlog.record(conn, events)
    # Leases first: what is published (drain.safe above all) must count every lease the
    # transaction saw, including those admitted on another replica a moment ago.
    rt.state.reconcile_leases(lease_from_row(r) for r in in_flight)
    rt.publish(events)
    message = {
        Change.ENTERED: f"{target} entered maintenance",
        Change.JOINED: f"{target} was already in maintenance ({_holders_text(before)}); your "
                       "hold was added: it stays in maintenance until every holder exits",
        Change.UNCHANGED: f"{target} was already in maintenance under this hold; nothing "
                          "changed",
    }[change]
    return SwitchResult(change, message, describe_target(rt.state, target))


async def exit_maintenance(*, rt: Runtime, target: str, reason: str, actor: str,
                           action: str = "maintenance.exited", hold: str | None = None,
                           every: bool = False) -> SwitchResult:
    """Release the caller's hold on ``target``'s switch; the switch goes off with its last
    hold. ``every`` (an admin's call, checked by the route) releases all of them.

    Releasing a hold one does not have, while others keep the switch on, is a conflict:
    nobody ends a maintenance someone else entered without saying so.
    """
    target, reason = check_target_id(target), _checked(validate_reason, reason, "reason")
    key = _checked(validate_hold_key, hold, "hold")
    now = clock.now()
    async with rt.db.write() as conn:
        row, events = await _expire(conn, await _locked_target(conn, target), now)
        before = switch_from_row(row)
        after, change, released = release(before, actor, key, now, every=every)
        if change is Change.NOT_HELD:
            raise Conflict(
                f"{target} is held by {_holders_text(before)}, and not by you"
                + (f" under hold {key!r}" if key else "") + "; a holder ends its own hold, "
                "or an admin ends the maintenance for all (all: true; `pitstop exit "
                f"{target} --all`)", target=target,
                holders=[hold_to_json(h) for h in before.holds] if before else [])
        if change in (Change.LEFT, Change.EXITED):
            row, record = await _save(conn, row, after, now)
            left = change is Change.LEFT
            events.append(await _record(
                conn, action=_verb(action, "left") if left else action,
                event="maintenance.left" if left else "maintenance.exited", actor=actor,
                reason=reason, record=record, now=now,
                details={"before": switch_json(before), "after": switch_json(after),
                         "released": [hold_to_json(h) for h in released],
                         **({"forced": True} if every else {})},
                data=_event_data(key, after if left else None)))
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    view = describe_target(rt.state, target)
    return SwitchResult(change, _exit_message(target, change, after, view,
                                              len(released) if every else 0), view)


def _exit_message(target: str, change: Change, after: Switch | None, view: TargetView,
                  forced: int) -> str:
    if change is Change.OFF:
        return f"{target}'s switch was not on; nothing changed"
    if change is Change.LEFT:
        return (f"your hold was released; {target} stays in maintenance, held by "
                f"{_holders_text(after)}")
    message = f"{target} left maintenance"
    if forced:
        message += f" (ended for all {forced} holder{'s' if forced > 1 else ''})"
    if view.state.in_maintenance:
        message += " (still in maintenance by " + ", ".join(
            c.source for c in view.state.causes) + ")"
    return message


async def wait_until_drained(*, rt: Runtime, target: str, timeout_s: float) -> bool:
    """Wait, woken by changes (not by polling), until ``target`` is safe to deploy or leaves
    maintenance. True when safe; False on timeout or when maintenance ended first."""
    def settled() -> bool:
        view = describe_target(rt.state, target)
        return view.drain.safe_to_deploy or not view.state.in_maintenance

    await rt.state.wait_for(settled, timeout_s)
    return describe_target(rt.state, target).drain.safe_to_deploy


async def expire_switches(*, rt: Runtime, now: datetime) -> int:
    """Release every hold whose ``expires_at`` has come, as actor ``system``; a switch whose
    last hold expired goes off."""
    events: list[Event] = []
    async with rt.db.write() as conn:
        for row in await targets_q.switches_on(conn=conn):
            if expired(switch_from_row(row), now):
                events.extend((await _expire(conn, row, now))[1])
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    return len(events)


def next_switch_expiry(rt: Runtime) -> datetime | None:
    ends = [s.next_expiry for s in rt.state.switches().values() if s.next_expiry is not None]
    return min(ends, default=None)


async def enter_and_wait(
    *, rt: Runtime, target: str, reason: str, actor: str,
    expires_at: datetime | None = None, wait_s: float = 0, hold: str | None = None,
    public_message: str | None = None, force: bool = False,
) -> SwitchResult:
    """Enter maintenance and, with ``wait_s``, wait for the target to drain (at most the
    server's ``max_wait_ms``); the result describes the target as it is when the call
    returns."""
    result = await enter_maintenance(rt=rt, target=target, reason=reason, actor=actor,
                                     expires_at=expires_at, hold=hold,
                                     public_message=public_message, force=force)
    if not wait_s:
        return result
    safe = await wait_until_drained(rt=rt, target=target, timeout_s=_capped(rt, wait_s))
    return SwitchResult(result.outcome, result.message,
                        describe_target(rt.state, result.view.record.id), safe)


def _capped(rt: Runtime, wait_s: float) -> float:
    """A wait a caller asked for, cut to the longest the server allows (PITSTOP_MAX_WAIT_MS):
    the answer then says the wait timed out, as it would at the caller's own limit."""
    return min(wait_s, rt.settings.max_wait_ms / 1000)


async def drained_view(*, rt: Runtime, target: str, timeout_s: float) -> TargetView:
    """The target's view once it is safe or has left maintenance, or when the wait ends
    (at most the server's ``max_wait_ms``)."""
    describe_target(rt.state, target)  # 404 before waiting on a target that does not exist
    if timeout_s > 0:
        await wait_until_drained(rt=rt, target=target, timeout_s=_capped(rt, timeout_s))
    return describe_target(rt.state, target)
