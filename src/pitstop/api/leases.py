"""/v1/leases: admission of new work, heartbeats, phases, release; what is in flight, and
an admin's force-release."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import RT, Admin, Reader, Worker, principal_for, runtime_of
from pitstop.api.responses import json_response
from pitstop.api.schemas import LeaseBody, PhaseBody, ReleaseBody
from pitstop.services import leases
from pitstop.services.runtime import Runtime
from pitstop.services.targets import check_target_id

router = APIRouter(prefix="/v1/leases", tags=["leases"])


@router.post("")
async def acquire(rt: RT, _: Worker, body: LeaseBody) -> Response:
    return await _acquire(rt, body)


async def _acquire(rt: Runtime, body: LeaseBody) -> Response:
    lease = await leases.acquire_lease(
        rt=rt, target=body.target, kind=body.kind, holder=body.holder,
        expected_duration_s=body.expected_duration_s, phase=body.phase, ttl_s=body.ttl_s,
        force=body.force)
    return json_response(leases.lease_json(lease), 201,
                         headers={"Location": f"/v1/leases/{lease.id}"})


async def acquire_hot(request: Request) -> Response:
    """:func:`acquire` without FastAPI's dependency solver: executors call it per unit of
    work. Same token check, same schema, same errors."""
    principal_for(request, "lease")
    try:
        body = LeaseBody.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    return await _acquire(runtime_of(request), body)


async def release_hot(request: Request) -> Response:
    """:func:`release` without the dependency solver."""
    principal_for(request, "lease")
    await leases.release_lease(rt=runtime_of(request), lease_id=request.path_params["lease_id"])
    return Response(status_code=204)


@router.get("")
async def list_in_flight(rt: RT, _: Reader, target: str | None = None) -> Response:
    """Every lease and every run an agent reports (``reported: true``) that holds up a
    drain now: on ``target`` or under it (``platform``: all), oldest first."""
    wanted = check_target_id(target) if target else None
    return json_response({"items": leases.list_in_flight(rt, wanted, clock.now())})


@router.post("/{lease_id:path}/release")
async def force_release(rt: RT, who: Admin, lease_id: str, body: ReleaseBody) -> Response:
    """Admins only: end a lease, or stop counting a reported run, that holds up a drain
    (its holder is gone or stuck). Audited as ``lease.force_released``."""
    result = await leases.force_release(rt=rt, lease_id=lease_id, reason=body.reason,
                                        actor=who.name)
    return json_response(result)


@router.get("/{lease_id}")
async def get_lease(rt: RT, _: Reader, lease_id: str) -> Response:
    return json_response(leases.lease_json(leases.get_lease_view(rt, lease_id)))


@router.post("/{lease_id}/heartbeat")
async def heartbeat(rt: RT, _: Worker, lease_id: str) -> Response:
    return json_response(leases.lease_json(await leases.renew_lease(rt=rt, lease_id=lease_id)))


@router.patch("/{lease_id}")
async def set_phase(rt: RT, _: Worker, lease_id: str, body: PhaseBody) -> Response:
    lease = await leases.renew_lease(rt=rt, lease_id=lease_id, phase=body.phase, set_phase=True)
    return json_response(leases.lease_json(lease))


@router.delete("/{lease_id}", status_code=204)
async def release(rt: RT, _: Worker, lease_id: str) -> Response:
    await leases.release_lease(rt=rt, lease_id=lease_id)
    return Response(status_code=204)
