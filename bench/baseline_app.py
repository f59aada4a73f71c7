"""The baseline for the read-path benchmark: a bare Starlette endpoint returning JSON."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY = {
    "id": "node:a", "kind": "node", "name": "a", "labels": {"region": "eu"},
    "in_maintenance": False, "causes": [], "until": None,
    "drain": {"in_maintenance": False, "in_flight": 0, "phases": {}, "kinds": {},
              "current_phase": "idle", "safe_to_deploy": False, "estimated_wait_ms": 0,
              "leases": []},
    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
}


async def target(request):  # type: ignore[no-untyped-def]
    return JSONResponse(BODY)


def create_app() -> Starlette:
    return Starlette(routes=[Route("/v1/targets/{target}", target)])
