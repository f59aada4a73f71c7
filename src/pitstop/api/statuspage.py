"""/api/v2/*.json: the public status in Atlassian Statuspage's public API shape, no token
needed, public data only."""

from __future__ import annotations

from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import RT
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
async def summary(rt: RT) -> Response:
    """The page's status, every component, and the maintenances in progress or upcoming."""
    return _answer(await compat.summary(rt, clock.now()))


@router.get("/status.json", response_model=StatusAnswer)
async def status(rt: RT) -> Response:
    """The page's indicator and description (the status page's banner)."""
    now = clock.now()
    return _answer({"page": compat.page(rt, now), "status": await compat.status(rt, now)})


@router.get("/components.json", response_model=ComponentsAnswer)
async def components(rt: RT) -> Response:
    """Every service, with the status the status page displays for it."""
    return _answer({"page": compat.page(rt, clock.now()), "components": compat.components(rt)})


async def _maintenances(rt: RT, which: compat.Which) -> Response:
    now = clock.now()
    return _answer({"page": compat.page(rt, now),
                    "scheduled_maintenances": await compat.scheduled_maintenances(rt, now,
                                                                                  which)})


@router.get("/scheduled-maintenances.json", response_model=ScheduledMaintenancesAnswer)
async def scheduled_maintenances(rt: RT) -> Response:
    """The 50 most recent maintenances, completed ones too, newest first."""
    return await _maintenances(rt, "all")


@router.get("/scheduled-maintenances/upcoming.json", response_model=ScheduledMaintenancesAnswer)
async def upcoming_maintenances(rt: RT) -> Response:
    """Maintenances still scheduled, soonest first."""
    return await _maintenances(rt, "upcoming")


@router.get("/scheduled-maintenances/active.json", response_model=ScheduledMaintenancesAnswer)
async def active_maintenances(rt: RT) -> Response:
    """Maintenances in progress, newest first."""
    return await _maintenances(rt, "active")
