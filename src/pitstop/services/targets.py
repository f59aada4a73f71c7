"""Targets: their rows (create, relabel, update under a lock, in the caller's transaction) and
how they are described (effective state + drain) from the snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.drain import DrainStatus
from pitstop.domain.state import EffectiveState, effective_state
from pitstop.domain.targets import PLATFORM, parse_target
from pitstop.domain.windows import window_causes
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services.events import Event
from pitstop.services.records import target_from_row
from pitstop.services.snapshot import Snapshot, TargetRecord
from pitstop.storage import audit as audit_q
from pitstop.storage import targets as targets_q


@dataclass(frozen=True, slots=True)
class TargetView:
    record: TargetRecord
    state: EffectiveState
    drain: DrainStatus
    next_window_start: datetime | None = None  # when an occurrence may next start gating

    def stable_until(self, now: datetime) -> datetime | None:
        """Until when this view stays true if nothing else changes (None: indefinitely).

        Work in flight makes the estimated wait tick, so such a view is only true at ``now``.
        """
        if self.drain.in_flight:
            return now
        ends = [c.until for c in self.state.causes if c.until is not None]
        if self.next_window_start is not None:
            ends.append(self.next_window_start)
        return min(ends, default=None)

    def to_json(self) -> dict[str, Any]:
        r = self.record
        return {
            "id": r.id,
            "kind": r.kind,
            "name": r.name,
            "labels": r.labels,
            "in_maintenance": self.state.in_maintenance,
            "causes": [c.to_json() for c in self.state.causes],
            "until": self.state.until,
            "drain": self.drain.to_json(),
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }


def check_target_id(raw: str) -> str:
    """Normalise a target id from a request, or raise InvalidInput naming the field."""
    try:
        return str(parse_target(raw))
    except ValueError as exc:
        raise InvalidInput(str(exc), field="target") from None


def wide_maintenance(state: Snapshot, now: datetime) -> bool:
    """Whether something may put any target in maintenance now: a window that has started,
    or a switch on the platform. If not, only a target's own switch can, and a target
    without one is out of maintenance without working out its state (at 100,000 targets,
    most of a pass over the fleet)."""
    platform = state.targets.get(PLATFORM)
    return bool(state.started_by(now)) or (platform is not None and platform.switch is not None)


def in_maintenance(state: Snapshot, now: datetime, *, kind: str | None = None) -> set[str]:
    """The targets (of ``kind``) in maintenance now, for any cause: their effective state,
    worked out only for those that can be (see wide_maintenance): in the usual case, the
    few with a switch of their own, however large the fleet."""
    candidates = state.targets if wide_maintenance(state, now) else state.switched()
    return {t for t in candidates if (kind is None or state.targets[t].kind == kind)
            and _effective(state, t, now).in_maintenance}


def describe_target(state: Snapshot, target: str, now: datetime | None = None) -> TargetView:
    """Effective state and drain status of one target, from memory only. Only the work
    ``target`` covers is looked at, and the platform's drain comes from counts kept as
    leases come and go (see Snapshot.drain_of): reading costs the same however many
    leases the fleet has in flight."""
    record = _record(state, target)
    now = now or clock.now()
    eff = _effective(state, target, now)
    drain = state.drain_of(target, eff.in_maintenance, now)
    return TargetView(record, eff, drain, state.next_start_after(now))


def target_state(state: Snapshot, target: str, now: datetime | None = None) -> EffectiveState:
    """Only the effective state of one target (NotFound if there is none): for readers that
    do not show its drain."""
    _record(state, target)
    return _effective(state, target, now or clock.now())


def _record(state: Snapshot, target: str) -> TargetRecord:
    record = state.targets.get(target)
    if record is None:
        check_target_id(target)
        raise NotFound(
            f"target {target!r} does not exist; create it with PUT /v1/targets/{target}",
            target=target,
        )
    return record


def _effective(state: Snapshot, target: str, now: datetime) -> EffectiveState:
    started = state.started_by(now)
    causes = window_causes(target, state.scope_labels(target), started, now) if started else ()
    return effective_state(target, state.scope_switches(target), now, causes)


def list_target_views(state: Snapshot, kind: str | None = None) -> list[TargetView]:
    now = clock.now()
    return [
        describe_target(state, target_id, now)
        for target_id in sorted(state.targets)
        if kind is None or state.targets[target_id].kind == kind
    ]


async def locked_target(conn: AsyncConnection, target: str) -> RowMapping | None:
    """The target's row, locked until the transaction ends (None: no such target)."""
    rows = await targets_q.lock_targets(conn=conn, ids=(target,), exclusive=True)
    return rows.get(target)


async def create_target(conn: AsyncConnection, target: str, labels: dict[str, str], *,
                        actor: str, now: datetime, values: dict[str, Any] | None = None
                        ) -> tuple[RowMapping, Event]:
    """Insert a target (with any other ``values``, such as a service's first status) and
    audit it: the one way a target comes into being."""
    tid = parse_target(target)
    await targets_q.insert_target(conn=conn, values={
        "id": target, "kind": tid.kind, "name": tid.name, "labels": labels,
        "created_at": now, "updated_at": now, "version": 1, "maint_on": False,
        **(values or {})})
    await audit_q.append_audit(conn=conn, at=now, actor=actor, action="target.created",
                               target=target, reason=None, details={"after": {"labels": labels}})
    row = await _fresh(conn, target)
    return row, Event("target.created", target, now, {"labels": labels}, target_from_row(row))


async def change_target(conn: AsyncConnection, row: RowMapping, values: dict[str, Any]
                        ) -> RowMapping:
    """Update a row this transaction locked (see :func:`locked_target`); the row as it is
    now. Its version moves on, so a reader holding the old one knows it changed."""
    if not await targets_q.update_target(conn=conn, target=row["id"],
                                         expected_version=row["version"], values=values):
        # the row is locked by this transaction: only a bug gets here
        raise Conflict(f"{row['id']} changed while it was locked; try again", target=row["id"])
    return await _fresh(conn, row["id"])


async def save_labels(conn: AsyncConnection, target: str, labels: dict[str, str], *,
                      actor: str, now: datetime) -> Event | None:
    """Create ``target`` with ``labels``, or relabel it, audited; None when its labels were
    already these. The one place a target's labels change."""
    row = await locked_target(conn, target)
    if row is None:
        return (await create_target(conn, target, labels, actor=actor, now=now))[1]
    if dict(row["labels"]) == labels:
        return None
    fresh = await change_target(conn, row, {"labels": labels, "updated_at": now})
    await audit_q.append_audit(
        conn=conn, at=now, actor=actor, action="target.updated", target=target, reason=None,
        details={"before": {"labels": dict(row["labels"])}, "after": {"labels": labels}})
    return Event("target.updated", target, now, {"labels": labels}, target_from_row(fresh))


async def _fresh(conn: AsyncConnection, target: str) -> RowMapping:
    row = await targets_q.get_target(conn=conn, target=target)
    assert row is not None, f"{target} was written in this transaction"
    return row


def platform_view(state: Snapshot) -> TargetView:
    return describe_target(state, PLATFORM)
