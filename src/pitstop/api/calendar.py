"""/v1/calendar.ics: public windows as an iCalendar feed, for anyone's calendar app;
/v1/calendar/services/{name}.ics: those that reach one service."""

from __future__ import annotations

from starlette.responses import Response

from pitstop.api.deps import RT
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.services import ServiceName
from pitstop.services.calendar import build_calendar

router = api_router(tags=["calendar"])
DOCUMENT = {200: {"description": "an iCalendar (RFC 5545) document",
                  "content": {"text/calendar": {"schema": {"type": "string"}}}}}


def _ics(body: bytes, filename: str) -> Response:
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


@router.get("/v1/calendar.ics", response_class=Response, responses=DOCUMENT)
async def calendar(rt: RT) -> Response:
    """No token needed: public windows only (RRULE, EXDATE, RECURRENCE-ID, VTIMEZONE)."""
    return _ics(await build_calendar(rt=rt), "pitstop.ics")


@router.get("/v1/calendar/services/{name}.ics", response_class=Response,
            responses={**DOCUMENT, **problems(404)})
async def service_calendar(rt: RT, name: ServiceName) -> Response:
    """The public windows that reach one service: those selecting it by id or by its
    labels, and those on the platform, which covers every service."""
    return _ics(await build_calendar(rt=rt, service=name), f"pitstop-{name}.ics")
