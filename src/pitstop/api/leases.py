"""/v1/leases: admission of new work, heartbeats, phases, release; what is in flight, and
an admin's force-release."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import RT, Admin, Reader, Worker, principal_for, runtime_of
from pitstop.api.direct import body_schema, direct, read_body
from pitstop.api.models.leases import ForcedRelease, InFlightList, Lease
from pitstop.api.openapi import api_router
from pitstop.api.problems import Problem, problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import LeaseBody, PhaseBody, ReleaseBody, TargetIdField
from pitstop.services import leases
from pitstop.services.targets import check_target_id

router = api_router(prefix="/v1/leases", tags=["leases"], responses=problems(401, 403, 429))
LOCATION = {"Location": {"description": "the new lease's URL", "schema": {"type": "string"}}}
ENDED = {409: {"model": Problem, "description": "Problem types: `/problems/conflict` (the "
               "lease has ended: released, lost or force-released; acquire a new one)"}}


@direct(router, "POST", "", response_model=Lease, status_code=201,
        openapi_extra=body_schema(LeaseBody), responses={
    201: {"headers": LOCATION}, **problems(404),
    503: {"model": Problem, "headers": {"Retry-After": {
        "description": "seconds until the maintenance is known to end (absent when unknown)",
        "schema": {"type": "integer"}}}, "description": "Problem types: "
        "`/problems/maintenance` (the target is in maintenance: `causes` says why), "
        "`/problems/maintenance-soon` (a gating window starts before the work's expected "
        "end: `occurrence` names it), `/problems/database-unavailable`"}})
async def acquire(request: Request) -> Response:
    """Admit one unit of work on a target, or refuse it while the target is in maintenance
    or will be before the work's expected end."""
    # Executors call this per unit of work: a Direct route, which reads its body itself.
    await principal_for(request, "lease")
    body: LeaseBody = await read_body(request, LeaseBody)
    lease = await leases.acquire_lease(
        rt=runtime_of(request), target=body.target, kind=body.kind, holder=body.holder,
        expected_duration_s=body.expected_duration_s, phase=body.phase, ttl_s=body.ttl_s,
        force=body.force)
    return json_response(leases.lease_json(lease), 201,
                         headers={"Location": f"/v1/leases/{lease.id}"})


@router.get("", response_model=InFlightList)
async def list_in_flight(rt: RT, _: Reader, target: Annotated[
        TargetIdField | None, Query(description="only the work on this target or under it "
                                    "(`platform`: all)")] = None) -> Response:
    """Every lease and every run an agent reports (``reported: true``) that holds up a
    drain now: on ``target`` or under it (``platform``: all), oldest first."""
    wanted = check_target_id(target) if target else None
    return json_response({"items": leases.list_in_flight(rt, wanted, clock.now())})


@router.post("/{lease_id:path}/release", response_model=ForcedRelease,
             responses=problems(404, 409))
async def force_release(rt: RT, who: Admin, lease_id: str, body: ReleaseBody) -> Response:
    """Admins only: end a lease, or stop counting a reported run, that holds up a drain
    (its holder is gone or stuck). Audited as ``lease.force_released``."""
    result = await leases.force_release(rt=rt, lease_id=lease_id, reason=body.reason,
                                        actor=who.name)
    return json_response(result)


@router.get("/{lease_id}", response_model=Lease, responses=problems(404))
async def get_lease(rt: RT, _: Reader, lease_id: str) -> Response:
    return json_response(leases.lease_json(leases.get_lease_view(rt, lease_id)))


@router.post("/{lease_id}/heartbeat", response_model=Lease,
             responses={**problems(404), **ENDED})
async def heartbeat(rt: RT, _: Worker, lease_id: str) -> Response:
    return json_response(leases.lease_json(await leases.renew_lease(rt=rt, lease_id=lease_id)))


@router.patch("/{lease_id}", response_model=Lease, responses={**problems(404), **ENDED})
async def set_phase(rt: RT, _: Worker, lease_id: str, body: PhaseBody) -> Response:
    lease = await leases.renew_lease(rt=rt, lease_id=lease_id, phase=body.phase, set_phase=True)
    return json_response(leases.lease_json(lease))


@direct(router, "DELETE", "/{lease_id}", status_code=204, responses=problems(404))
async def release(request: Request, lease_id: str) -> Response:
    """End the work: the lease no longer holds up a drain."""
    await principal_for(request, "lease")
    await leases.release_lease(rt=runtime_of(request), lease_id=lease_id)
    return Response(status_code=204)
