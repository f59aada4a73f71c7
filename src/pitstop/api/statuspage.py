"""/api/v2/*.json: the public status in Atlassian Statuspage's public API shape, no token
needed, public data only."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import RT, public_base
from pitstop.api.models.statuspage import (
    ComponentsAnswer,
    ScheduledMaintenancesAnswer,
    StatusAnswer,
    Summary,
)
from pitstop.api.openapi import api_router
from pitstop.api.responses import json_response
from pitstop.services import statuspage_compat as compat

router = api_router(prefix="/api/v2", tags=["statuspage"])
FRESH = {"Cache-Control": "no-cache"}


def _answer(data: dict[str, object]) -> Response:
    return json_response(data, headers=FRESH)


@router.get("/summary.json", response_model=Summary)
async def summary(request: Request, rt: RT) -> Response:
    """The page's status, every component, and the maintenances in progress or upcoming."""
    return _answer(await compat.summary(rt, clock.now(), public_base(request)))


@router.get("/status.json", response_model=StatusAnswer)
async def status(request: Request, rt: RT) -> Response:
    """The page's indicator and description (the status page's banner)."""
    now = clock.now()
    return _answer({"page": compat.page(rt, now, public_base(request)),
                    "status": await compat.status(rt, now)})


@router.get("/components.json", response_model=ComponentsAnswer)
async def components(request: Request, rt: RT) -> Response:
    """Every service, with the status the status page displays for it."""
    return _answer({"page": compat.page(rt, clock.now(), public_base(request)),
                    "components": compat.components(rt)})


async def _maintenances(request: Request, rt: RT, which: compat.Which) -> Response:
    now, base = clock.now(), public_base(request)
    return _answer({"page": compat.page(rt, now, base),
                    "scheduled_maintenances": await compat.scheduled_maintenances(
                        rt, now, which, base)})


@router.get("/scheduled-maintenances.json", response_model=ScheduledMaintenancesAnswer)
async def scheduled_maintenances(request: Request, rt: RT) -> Response:
    """The 50 most recent maintenances, completed ones too, newest first."""
    return await _maintenances(request, rt, "all")


@router.get("/scheduled-maintenances/upcoming.json", response_model=ScheduledMaintenancesAnswer)
async def upcoming_maintenances(request: Request, rt: RT) -> Response:
    """Maintenances still scheduled, soonest first."""
    return await _maintenances(request, rt, "upcoming")


@router.get("/scheduled-maintenances/active.json", response_model=ScheduledMaintenancesAnswer)
async def active_maintenances(request: Request, rt: RT) -> Response:
    """Maintenances in progress, newest first."""
    return await _maintenances(request, rt, "active")
