"""Services: the realtime status monitors report, and the status a service displays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.domain.targets import TargetId, parse_target
from pitstop.domain.windows import Impact, Realtime, displayed_status, in_progress
from pitstop.errors import InvalidInput, NotFound
from pitstop.services.events import Event
from pitstop.services.records import target_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot, TargetRecord
from pitstop.services.targets import change_target, create_target, locked_target, target_state
from pitstop.storage import audit as audit_q


@dataclass(frozen=True, slots=True)
class ServiceView:
    record: TargetRecord
    displayed: str
    impacts: list[dict[str, Any]]  # one per in-progress occurrence or switch affecting it

    def to_json(self) -> dict[str, Any]:
        rt = self.record.realtime
        return {
            "name": self.record.name,
            "target": self.record.id,
            "labels": self.record.labels,
            "displayed": self.displayed,
            "realtime": None if rt is None else {
                "status": str(rt.status), "message": rt.message, "at": rt.at, "by": rt.by},
            "impacts": self.impacts,
        }


def _service_id(name: str) -> TargetId:
    try:
        return parse_target(f"service:{name}")
    except ValueError as exc:
        raise InvalidInput(str(exc), field="name") from None


def require_service(state: Snapshot, name: str) -> TargetRecord:
    """The service called ``name``: InvalidInput for a malformed name, NotFound for one that
    no monitor has reported and nobody created."""
    target = str(_service_id(name))
    record = state.targets.get(target)
    if record is None:
        raise NotFound(f"service {name!r} does not exist; a monitor creates it with "
                       f"PUT /v1/services/{name}/status", service=name)
    return record


def describe_service(state: Snapshot, name: str, now: datetime | None = None) -> ServiceView:
    """Displayed status: the most severe impact among the in-progress occurrences that
    affect the service (a manual switch counts as MAINTENANCE), else its realtime status.
    Both are always returned, so an outage during maintenance stays visible."""
    record = require_service(state, name)
    target = record.id
    now = now or clock.now()
    labels = state.scope_labels(target)
    impacts: list[dict[str, Any]] = []
    for occ, rules in state.started_by(now):
        hit = rules.impact_on(target, labels) if in_progress(occ, rules, now) else None
        if hit is not None:
            impacts.append({"impact": str(hit[0]), "kind": "window", "window": rules.id,
                            "occurrence": occ.id, "title": rules.title, "until": occ.end})
    for cause in target_state(state, target, now).causes:
        if cause.kind == "switch":
            impacts.append({"impact": str(Impact.MAINTENANCE), "kind": "switch",
                            "source": cause.source, "title": cause.reason,
                            "until": cause.until})
    impacts.sort(key=lambda i: (i["kind"], i.get("occurrence") or 0, i.get("source") or ""))
    shown = displayed_status(record.realtime.status if record.realtime else None,
                             (Impact(i["impact"]) for i in impacts))
    return ServiceView(record, shown, impacts)


def list_services(state: Snapshot) -> list[ServiceView]:
    now = clock.now()
    return [describe_service(state, r.name, now) for r in sorted(
        state.targets.values(), key=lambda r: r.id) if r.kind == "service"]


async def report_status(*, rt: Runtime, name: str, status: Realtime, message: str | None,
                        actor: str) -> ServiceView:
    """Record what a monitor sees. A service reported for the first time is created; a
    change of status is audited (repeated reports of the same status are not)."""
    target_id = _service_id(name)
    target = str(target_id)
    now = clock.now()
    events: list[Event] = []
    async with rt.db.write() as conn:
        row = await locked_target(conn, target)
        values = {"rt_status": str(status), "rt_message": message, "rt_at": now, "rt_by": actor,
                  "updated_at": now}
        if row is None:
            fresh, created = await create_target(conn, target, {}, actor=actor, now=now,
                                                 values=values)
            events.append(created)
            before = None
        else:
            before = row["rt_status"]
            fresh = await change_target(conn, row, values)
        if before != str(status):
            await audit_q.append_audit(
                conn=conn, at=now, actor=actor, action="service.status_changed",
                target=target, reason=message,
                details={"before": before, "after": str(status)})
        events.append(Event("service.status_changed" if before != str(status)
                            else "service.status_reported", target, now,
                            {"status": str(status), "previous": before, "message": message},
                            target_from_row(fresh)))
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    return describe_service(rt.state, target_id.name, now)
