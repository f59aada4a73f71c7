"""/v1/targets: list, read, create/label, delete, enter and exit maintenance, wait for the
drain."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query, Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import RT, Admin, Operator, Reader, principal_for, runtime_of
from pitstop.api.direct import direct
from pitstop.api.models.targets import (
    Gate,
    MaintenanceChange,
    Target,
    TargetDrain,
    TargetList,
)
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import dumps, json_response
from pitstop.api.schemas import EnterBody, ExitBody, TargetBody, WaitMs
from pitstop.api.stale import mark_stale, stale_as_of
from pitstop.domain.targets import TARGET_PATTERN
from pitstop.errors import Forbidden
from pitstop.services import gate, labels, maintenance, targets
from pitstop.services.snapshot import Principal

router = api_router(prefix="/v1/targets", tags=["targets"], responses=problems(401, 403, 429))
# The pattern documents what services.targets.check_target_id enforces (with a message that
# says what a target id looks like); a well-formed id of no target is a 404.
TargetId = Annotated[str, Path(description="`platform`, `node:<name>` or `service:<name>`",
                               json_schema_extra={"pattern": TARGET_PATTERN})]
STALE = {"Warning": {"description": "`110 - \"Response is Stale\"` while the answer, from "
                     "memory, may be out of date", "schema": {"type": "string"}}}


@router.get("", response_model=TargetList, responses={200: {"headers": STALE}})
async def list_targets(
    rt: RT, _: Reader, kind: Literal["platform", "node", "service"] | None = None
) -> Response:
    views = targets.list_target_views(rt.state, kind)
    body = {"items": [v.to_json() for v in views]}
    return json_response(body, headers=mark_stale(body, rt))


@router.get("/{target}/gate", response_model=Gate,
            responses={200: {"headers": STALE}, **problems(404)})
async def get_gate(rt: RT, _: Reader, target: TargetId) -> Response:
    """What the SDK's Gate decides from: the switches covering the target and the gating
    occurrences affecting it (those generated so far: the window horizon)."""
    body = gate.gate_state(rt, target, clock.now())
    return json_response(body, headers=mark_stale(body, rt))


@direct(router, "GET", "/{target}", response_model=Target,
        responses={200: {"headers": STALE}, **problems(404)})
async def get_target(request: Request, target: TargetId) -> Response:
    """The target's state: in maintenance or not, why, and its drain."""
    # Executors and dashboards poll this: a Direct route, answered from memory with the
    # encoded body cached until the state can next change.
    await principal_for(request, "read")
    rt, now = runtime_of(request), clock.now()
    if stale_as_of(rt) is not None:  # during an outage: marked, so not from the cache
        view = targets.describe_target(rt.state, target, now).to_json()
        return json_response(view, headers=mark_stale(view, rt))
    key = ("target", target)
    body = rt.view_cache.get(key, now)
    if body is None:
        view = targets.describe_target(rt.state, target, now)
        body = dumps(view.to_json())
        rt.view_cache.put(key, body, view.stable_until(now))
    return Response(body, media_type="application/json")


@router.put("/{target}", response_model=Target, responses={
    201: {"model": Target, "description": "Created"}})
async def put_target(rt: RT, who: Operator, target: TargetId, body: TargetBody) -> Response:
    """Create a node or service target (201), or replace its labels (200). The platform
    target always exists."""
    created, view = await labels.put_target(rt=rt, target=target, labels=body.labels,
                                             actor=who.name)
    return json_response(view.to_json(), 201 if created else 200)


@router.delete("/{target}", status_code=204, responses=problems(404, 409))
async def delete_target(
    rt: RT, who: Admin, target: TargetId,
    reason: Annotated[str, Query(min_length=1, max_length=500, description="why (audited)")],
) -> Response:
    """Delete a node or service target (admin), audited. 409 while it is in maintenance,
    has leases in flight, or a node, window, subscription or service group names it; the
    platform target cannot be deleted."""
    await labels.delete_target(rt=rt, target=target, reason=reason, actor=who.name)
    return Response(status_code=204)


def _node_needs_admin(rt: RT, who: Principal, target: str) -> None:
    """Stopping a registered node's workloads is an admin's decision, whichever route asks."""
    if target in rt.state.nodes and who.role != "admin":
        raise Forbidden(f"token {who.name!r} has role {who.role}; maintenance of a node "
                        "needs an admin token", role=who.role)


@router.post("/{target}/maintenance/enter", response_model=MaintenanceChange,
             responses=problems(404))
async def enter(rt: RT, who: Operator, target: TargetId, body: EnterBody) -> Response:
    """Take a hold on the target's maintenance switch (a node's needs an admin); with
    ``wait_ms``, answer once it is safe to deploy or the wait runs out (``waited``)."""
    _node_needs_admin(rt, who, target)
    if body.force and who.role != "admin":
        raise Forbidden(f"token {who.name!r} has role {who.role}; overriding a disruption "
                        "budget needs an admin token", role=who.role)
    result = await maintenance.enter_and_wait(
        rt=rt, target=target, reason=body.reason, actor=who.name, expires_at=body.expires_at,
        wait_s=(body.wait_ms or 0) / 1000, hold=body.hold, public_message=body.public_message,
        force=body.force)
    return json_response(result.to_json())


@router.post("/{target}/maintenance/exit", response_model=MaintenanceChange, summary="Exit",
             responses=problems(404, 409))
async def exit_(rt: RT, who: Operator, target: TargetId, body: ExitBody) -> Response:
    """Release the caller's hold (or, with ``all``, every hold: admins only)."""
    _node_needs_admin(rt, who, target)
    if body.all and who.role != "admin":
        raise Forbidden(f"token {who.name!r} has role {who.role}; ending a maintenance for "
                        "all its holders needs an admin token", role=who.role)
    result = await maintenance.exit_maintenance(rt=rt, target=target, reason=body.reason,
                                                actor=who.name, hold=body.hold, every=body.all)
    return json_response(result.to_json())


@router.get("/{target}/drain", response_model=TargetDrain, responses=problems(404))
async def drain(
    rt: RT, _: Reader, target: TargetId, wait_ms: Annotated[WaitMs, Query()] = 0
) -> Response:
    """Drain status; with ``wait_ms``, answers as soon as the target is safe (or has left
    maintenance), or when the wait runs out."""
    view = await maintenance.drained_view(rt=rt, target=target, timeout_s=wait_ms / 1000)
    return json_response({"target": target, "in_maintenance": view.state.in_maintenance,
                          "causes": [c.to_json() for c in view.state.causes],
                          **view.drain.to_json()})
