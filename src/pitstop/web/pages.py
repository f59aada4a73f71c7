"""The public status page (``/``, no login) and its live signal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query, Request
from starlette.responses import Response, StreamingResponse

from pitstop import clock
from pitstop.api.deps import runtime_of
from pitstop.api.schemas import Day
from pitstop.services import status_page as public_status
from pitstop.services.runtime import Runtime
from pitstop.services.stream import Filter
from pitstop.web import i18n
from pitstop.web.templating import templates

router = APIRouter(include_in_schema=False)
KEEPALIVE_S = 15.0
# What can change the public page. The signal carries no data: the page re-reads itself.
PUBLIC_TYPES = frozenset({
    "maintenance.entered", "maintenance.exited", "maintenance.joined", "maintenance.left",
    "occurrence.created",
    "occurrence.transitioned", "occurrence.moved", "occurrence.deleted", "window.created",
    "window.updated", "window.deleted", "service.status_changed", "target.created",
    "maintenance_update.posted", "branding.updated", "service_groups.updated"})
TO_BEFORE_FROM = i18n.N_("The 'To' date is before the 'From' date: showing from 'From' on.")
# The default title (PITSTOP_PAGE_TITLE): shown translated while nobody changed it.
DEFAULT_TITLE = i18n.N_("Service status")


def _zone(name: str | None) -> ZoneInfo:
    """The viewer's zone (sent by the page's script), UTC if missing or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day(value: date | None, zone: ZoneInfo, *, end: bool = False) -> datetime | None:
    """The start of ``value`` (or of the day after it) in the viewer's zone."""
    if value is None:
        return None
    return datetime.combine(value + timedelta(days=1 if end else 0), time(), zone)


@router.get("/")
async def status_page(
    request: Request,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Annotated[Day | None, Query()] = None,
    tz: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    partial: bool = False,
    lang: Annotated[str | None, Query(max_length=16)] = None,  # read by i18n.choose
) -> Response:
    error = None
    if from_ and to and to < from_:
        error, to = TO_BEFORE_FROM, None
    zone = _zone(tz)
    view = await public_status.compose(runtime_of(request), clock.now(), since=_day(from_, zone),
                                   until=_day(to, zone, end=True), page=page)
    view.filters = {k: v.isoformat() for k, v in (("from", from_), ("to", to)) if v}
    if view.filters:
        view.filters["tz"] = zone.key
    view.error = error
    name = "_status_main.html" if partial else "status.html"
    chosen, remembered = i18n.choose(request)
    response = templates.TemplateResponse(
        request, name, {"page": view, "lang": chosen, "languages": i18n.LANGUAGES,
                        "script_strings": i18n.script_strings(chosen)},
        headers={"Cache-Control": "no-store"})
    i18n.remember(response, remembered)
    return response


async def change_signal(rt: Runtime, types: frozenset[str] | None) -> AsyncIterator[bytes]:
    """``event: change`` whenever a matching event happens (with its id, nothing else),
    keepalives in between. A client that falls behind just re-reads the page."""
    sub = rt.stream.subscribe(Filter(types))
    try:
        yield b"retry: 3000\n\n"
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_S):
                    frame = await sub.queue.get()
            except TimeoutError:
                yield b": keepalive\n\n"
                continue
            if frame is None:
                yield b"event: change\ndata: {}\n\n"
                return
            yield b"event: change\ndata: {\"id\": %d}\n\n" % frame.id
    finally:
        rt.stream.unsubscribe(sub)


@router.get("/status/events")
async def status_events(request: Request) -> StreamingResponse:
    return StreamingResponse(change_signal(runtime_of(request), PUBLIC_TYPES),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
