"""PUT /v1/targets/{target}: create a node or service target, or relabel one."""

from __future__ import annotations

from pitstop import clock
from pitstop.domain.targets import parse_target, validate_labels
from pitstop.errors import InvalidInput
from pitstop.services.runtime import Runtime
from pitstop.services.targets import TargetView, check_target_id, describe_target, save_labels


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
