"""/v1/calendar.ics: public windows as an iCalendar feed, for anyone's calendar app."""

from __future__ import annotations

from starlette.responses import Response

from pitstop.api.deps import RT
from pitstop.api.openapi import api_router
from pitstop.services.calendar import build_calendar

router = api_router(tags=["calendar"])


@router.get("/v1/calendar.ics", response_class=Response, responses={200: {
    "description": "an iCalendar (RFC 5545) document",
    "content": {"text/calendar": {"schema": {"type": "string"}}}}})
async def calendar(rt: RT) -> Response:
    """No token needed: public windows only (RRULE, EXDATE, RECURRENCE-ID, VTIMEZONE)."""
    return Response(await build_calendar(rt=rt), media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": 'inline; filename="pitstop.ics"'})
