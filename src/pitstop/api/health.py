"""/health (no auth) and the problem type documentation."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from pitstop import __version__
from pitstop.api.deps import RT, runtime_of
from pitstop.api.responses import json_response
from pitstop.domain.targets import PLATFORM
from pitstop.errors import NotFound
from pitstop.services.runtime import Runtime
from pitstop.services.targets import describe_target

router = APIRouter(tags=["health"])

PROBLEM_DOCS = {
    "invalid-input": "A field breaks a rule. `errors` lists each field and what to change.",
    "malformed-json": "The body is not JSON. Send a JSON object with Content-Type "
                      "application/json.",
    "too-large": "The request body, or a node's config, is over its size limit "
                 "(PITSTOP_MAX_BODY_BYTES, PITSTOP_MAX_NODE_CONFIG_BYTES). Send less.",
    "not-found": "The target, lease, token or endpoint does not exist.",
    "conflict": "The request clashes with the current state (a duplicate name, an ended lease).",
    "invalid-transition": "The object's current status does not allow this change.",
    "maintenance": "New work is refused: the target is in maintenance. `causes` says why; "
                   "`Retry-After` says when to retry, if the end is known.",
    "unauthorized": "Missing, invalid or revoked token. Send 'Authorization: Bearer <token>'.",
    "forbidden": "The token's role does not allow this request.",
    "rate-limited": "Too many failed attempts. Wait `Retry-After` seconds.",
    "internal": "An unexpected server error; the server log has the details.",
}


@router.get("/health")
async def health(rt: RT) -> Response:
    return health_response(rt)


async def health_hot(request: Request) -> Response:
    """/health without the dependency solver (load balancers poll it)."""
    return health_response(runtime_of(request))


def health_response(rt: Runtime) -> Response:
    view = describe_target(rt.state, PLATFORM)
    causes = view.state.causes
    return json_response({
        "status": "ok",
        "uptime": round(rt.uptime_s, 3),
        "version": __version__,
        "maintenanceMode": view.state.in_maintenance,
        "maintenanceReason": causes[0].reason if causes else None,
    })


@router.get("/problems/{slug}", include_in_schema=False)
async def problem_doc(slug: str) -> Response:
    if slug not in PROBLEM_DOCS:
        raise NotFound(f"no problem type {slug!r}")
    return PlainTextResponse(f"{slug}\n\n{PROBLEM_DOCS[slug]}\n")
