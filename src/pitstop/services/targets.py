"""Targets: create, label, and describe (effective state + drain) from the snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.domain.drain import DrainStatus, drain_status
from pitstop.domain.state import EffectiveState, effective_state
from pitstop.domain.targets import PLATFORM, parse_target, validate_labels
from pitstop.domain.windows import window_causes
from pitstop.errors import InvalidInput, NotFound
from pitstop.services import eventlog
from pitstop.services.events import Event
from pitstop.services.records import target_from_row
from pitstop.services.runtime import Runtime
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


def describe_target(state: Snapshot, target: str, now: datetime | None = None) -> TargetView:
    """Effective state and drain status of one target, from memory only."""
    record = state.targets.get(target)
    if record is None:
        check_target_id(target)
        raise NotFound(
            f"target {target!r} does not exist; create it with PUT /v1/targets/{target}",
            target=target,
        )
    now = now or clock.now()
    started = state.started_by(now)
    causes = window_causes(target, state.scope_labels(target), started, now) if started else ()
    eff = effective_state(target, state.scope_switches(target), now, causes)
    leases = state.in_flight() if state.nodes else state.leases.values()
    drain = drain_status(
        target=target, in_maintenance=eff.in_maintenance, leases=leases, now=now,
        typical=state.typical_durations() if leases else {},
    )
    return TargetView(record, eff, drain, state.next_start_after(now))


def list_target_views(state: Snapshot, kind: str | None = None) -> list[TargetView]:
    now = clock.now()
    return [
        describe_target(state, target_id, now)
        for target_id in sorted(state.targets)
        if kind is None or state.targets[target_id].kind == kind
    ]


async def put_target(
    *, rt: Runtime, target: str, labels: dict[str, str], actor: str
) -> tuple[bool, TargetView]:
    """Create a node or service target, or replace a target's labels. Returns (created, view)."""
    target_id = parse_target(check_target_id(target))
    try:
        labels = validate_labels(labels)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="labels") from None
    now = clock.now()
    events: list[Event] = []
    async with rt.db.write() as conn:
        rows = await targets_q.lock_targets(conn=conn, ids=(str(target_id),), exclusive=True)
        row = rows.get(str(target_id))
        if row is None:
            created = True
            await targets_q.insert_target(conn=conn, values={
                "id": str(target_id), "kind": target_id.kind, "name": target_id.name,
                "labels": labels, "created_at": now, "updated_at": now, "version": 1,
                "maint_on": False,
            })
            action, details = "target.created", {"after": {"labels": labels}}
        else:
            created = False
            if dict(row["labels"]) == labels:
                return False, describe_target(rt.state, str(target_id))
            await targets_q.update_target(
                conn=conn, target=str(target_id), expected_version=row["version"],
                values={"labels": labels, "updated_at": now},
            )
            action = "target.updated"
            details = {"before": {"labels": dict(row["labels"])}, "after": {"labels": labels}}
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action=action,
                                   target=str(target_id), reason=None, details=details)
        fresh = await targets_q.get_target(conn=conn, target=str(target_id))
        assert fresh is not None
        record = target_from_row(fresh)
        events.append(Event(action, record.id, now, {"labels": labels}, record))
        events = await eventlog.record(conn, events)
    rt.publish(events)
    return created, describe_target(rt.state, record.id)


def platform_view(state: Snapshot) -> TargetView:
    return describe_target(state, PLATFORM)
