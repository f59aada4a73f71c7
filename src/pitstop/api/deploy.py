"""The deploy API as CI pipelines already call it: /admin/maintenance/*, on ``platform``.

Request and response shapes are the documented ones, field for field (camelCase), including
the 401 and 500 bodies; authentication is the ``x-admin-code`` header (an admin token).
A database outage answers 503 with ``Retry-After`` in that same ``{error, message}`` shape.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import Request
from starlette.responses import Response

from pitstop.api.deps import RT, principal_for
from pitstop.api.models.deploy import DeployError, DeployResult, DeployStatus
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import DeployEnterBody
from pitstop.domain.switches import Change
from pitstop.domain.targets import PLATFORM
from pitstop.errors import Conflict, DatabaseUnavailable, PitstopError, Unauthorized
from pitstop.services import maintenance
from pitstop.services.snapshot import Principal
from pitstop.services.targets import TargetView, describe_target
from pitstop.storage.outage import log_unavailable

log = logging.getLogger(__name__)
# 401, 409, 500 and 503 answer in this API's own {error, message} shape (application/json);
# a valid token of another role (403) and a blocked address (429) are problems, as on /v1.
AUTH: dict[int | str, dict[str, Any]] = {
    **problems(403, 429),
    401: {"model": DeployError, "description": "missing or invalid admin code"},
}
CHANGE: dict[int | str, dict[str, Any]] = {
    500: {"model": DeployError, "description": "the change failed"},
    503: {"model": DeployError, "description": "the database is unavailable",
          "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}},
}
# The admin code as CI pipelines send it, or the same token as a bearer token.
SECURITY = {"security": [{"adminCode": []}, {"bearer": []}]}
router = api_router(prefix="/admin/maintenance", tags=["deploy API"], responses=AUTH)
DEFAULT_ENTER_REASON = "deployment"
DEFAULT_EXIT_REASON = "deployment finished"
HELD_BY_OTHERS = ("Maintenance mode was entered by others and is not held by this admin "
                  "code; it ends when they exit it")
EXIT_MESSAGES = {
    Change.EXITED: "Exited maintenance mode",
    Change.LEFT: "Released this admin code's hold; still in maintenance mode, held by others",
    Change.OFF: "Not in maintenance mode",
}
UNAUTHORIZED = {"error": "Unauthorized", "message": "Missing or invalid admin code"}


def _iso_ms(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def deploy_status(view: TargetView) -> dict[str, Any]:
    switch = view.record.switch if view.state.in_maintenance else None
    drain = view.drain
    return {
        "maintenanceMode": view.state.in_maintenance,
        "reason": switch.reason if switch else None,
        "enteredAt": _iso_ms(switch.since) if switch else None,
        "safeToDeploy": drain.in_flight == 0,
        "currentPhase": drain.current_phase,
        "pendingMarkets": drain.in_flight,
        "estimatedWaitMs": drain.estimated_wait_ms or 0,
    }


async def _admin(request: Request) -> Principal | Response:
    """The admin, or the documented 401 for a missing or invalid code. A valid token of
    another role is a 403 problem, and a blocked address a 429: neither is that 401."""
    try:
        return await principal_for(request, "admin")
    except Unauthorized:
        return json_response(UNAUTHORIZED, 401)


def _unavailable(request: Request, action: str, exc: DatabaseUnavailable) -> Response:
    log_unavailable(log, f"{request.method} {request.url.path}", exc)
    return json_response({"error": "Service Unavailable",
                          "message": f"Failed to {action} maintenance mode: {exc.detail}"},
                         503, {"Retry-After": str(exc.retry_after)})


def _failed(action: str, exc: Exception) -> Response:
    return json_response({"error": "Internal Server Error",
                          "message": f"Failed to {action} maintenance mode: {exc}"}, 500)


@router.post("/enter", response_model=DeployResult, responses=CHANGE, openapi_extra=SECURITY,
             summary="Enter maintenance")
async def enter(rt: RT, request: Request, body: DeployEnterBody | None = None) -> Response:
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    body = body or DeployEnterBody()
    try:
        reason = body.reason or DEFAULT_ENTER_REASON
        # This API's clients show the reason to their players (/health): it is public.
        result = await maintenance.enter_and_wait(
            rt=rt, target=PLATFORM, reason=reason, public_message=reason, actor=who.name,
            wait_s=body.timeoutMs / 1000)
    except DatabaseUnavailable as exc:
        return _unavailable(request, "enter", exc)
    except PitstopError:
        raise
    except Exception as exc:
        return _failed("enter", exc)
    message = "Entered maintenance mode" if result.changed else "Already in maintenance mode"
    return json_response({"success": True, "message": message,
                          "status": deploy_status(result.view)})


@router.get("/status", response_model=DeployStatus, openapi_extra=SECURITY,
            summary="Maintenance status")
async def status(rt: RT, request: Request) -> Response:
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    return json_response(deploy_status(describe_target(rt.state, PLATFORM)))


@router.post("/exit", response_model=DeployResult, openapi_extra=SECURITY,
             summary="Exit maintenance", responses={**CHANGE,
    409: {"model": DeployError, "description": "others hold the maintenance, not this code"}})
async def exit_(rt: RT, request: Request) -> Response:
    who = await _admin(request)
    if isinstance(who, Response):
        return who
    try:
        result = await maintenance.exit_maintenance(rt=rt, target=PLATFORM,
                                                    reason=DEFAULT_EXIT_REASON, actor=who.name)
    except DatabaseUnavailable as exc:
        return _unavailable(request, "exit", exc)
    except Conflict:  # others hold it, this token does not: theirs to end (no reasons here)
        return json_response({"error": "Conflict", "message": HELD_BY_OTHERS}, 409)
    except PitstopError:
        raise
    except Exception as exc:
        return _failed("exit", exc)
    return json_response({"success": True, "message": EXIT_MESSAGES[result.outcome],
                          "status": deploy_status(result.view)})
