"""/health, /health/ready, /health/live (no auth).

/health is polled by load balancers and never waits on the database: its database check is
the last result of services.dbhealth's check, which transactions and a background probe keep
current. /health/ready probes when that result is over a second old.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from pitstop import __version__
from pitstop.api.deps import RT, runtime_of
from pitstop.api.direct import direct
from pitstop.api.models.health import Health, Liveness, Readiness
from pitstop.api.openapi import api_router
from pitstop.api.responses import json_response
from pitstop.api.stale import mark_stale
from pitstop.domain.state import public_text
from pitstop.domain.targets import PLATFORM
from pitstop.services.runtime import Runtime
from pitstop.services.targets import target_state

router = api_router(tags=["health"])


@direct(router, "GET", "/health", response_model=Health)
async def health(request: Request) -> Response:
    """Whether the platform is in maintenance (with its public message only) and whether
    the database answers; no auth. Always 200: ``status`` is "degraded" during an outage."""
    # Load balancers poll this: a Direct route.
    rt = runtime_of(request)
    platform = target_state(rt.state, PLATFORM)
    public = (w.id for w in rt.state.windows.values() if w.public)
    body = {
        "status": "ok",
        "uptime": round(rt.uptime_s, 3),
        "version": __version__,
        "maintenanceMode": platform.in_maintenance,
        # No auth here: the public message, never an operator's reason.
        "maintenanceReason": public_text(platform.causes, public),
        **_leadership(rt),
    }
    return json_response(body, headers=add_database_health(body, rt))


def add_database_health(body: dict[str, Any], rt: Runtime) -> dict[str, str]:
    """Additive to /health (still 200, every field kept): ``status`` "degraded" while the
    database is unreachable, ``checks.database``, and the stale marks (the maintenance
    fields come from memory). Returns the headers to add."""
    check = rt.db_check
    if not check.ok:
        body["status"] = "degraded"
    body.setdefault("checks", {})["database"] = check.to_json()
    return mark_stale(body, rt)


@router.get("/health/ready", response_model=Readiness, responses={503: {
    "model": Readiness, "description": "the database does not answer (with Retry-After)"}})
async def ready(rt: RT) -> Response:
    """200 while the database answers, 503 while it does not (take this replica out of
    rotation). Probes at most about once a second, however often it is polled."""
    check = rt.db_check
    await check.fresh()
    body = {"status": "ready" if check.ok else "unavailable",
            "checks": {"database": check.to_json()}}
    if check.error is None:
        return json_response(body)
    return json_response(body, 503, {"Retry-After": str(check.error.retry_after)})


@router.get("/health/live", response_model=Liveness)
async def live() -> Response:
    """200 while the process serves requests, whatever the database does."""
    return json_response({"status": "ok"})


def _leadership(rt: Runtime) -> dict[str, object]:
    """Whether this replica runs the scheduler, and its id (as in its log lines; null for
    the single SQLite process, which always leads)."""
    return {"leader": rt.leader,
            "replica": rt.backplane.origin if rt.backplane is not None else None}
