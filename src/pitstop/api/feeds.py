"""/feeds/...: RSS 2.0 and Atom feeds of public maintenance, for the whole page or one
service. No token needed: public text only, like the status page and the calendar.

Not in the OpenAPI document, like the status page they belong to: they are documents for
feed readers, in media types (application/rss+xml, application/atom+xml) that clients
generated from the document cannot read (openapi-python-client refuses them). The README
lists them; errors are the API's problem+json all the same."""

from __future__ import annotations

import hashlib

from fastapi import Request
from starlette.responses import Response

from pitstop.api.deps import RT, public_base
from pitstop.api.openapi import api_router
from pitstop.api.services import ServiceName
from pitstop.services.feeds import FeedFormat, maintenance_feed
from pitstop.services.runtime import Runtime

router = api_router(prefix="/feeds", tags=["feeds"], include_in_schema=False)


async def _answer(request: Request, rt: Runtime, fmt: FeedFormat,
                  service: str | None = None) -> Response:
    body = await maintenance_feed(rt=rt, base=public_base(request), fmt=fmt, service=service)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if etag in request.headers.get("if-none-match", ""):  # a reader polling: nothing new
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=f"{fmt.media_type}; charset=utf-8", headers=headers)


@router.get("/maintenance.rss")
async def maintenance_rss(rt: RT, request: Request) -> Response:
    """Public maintenance of every service: in progress, planned, and ended in the last 30
    days (window occurrences and switch-based maintenance)."""
    return await _answer(request, rt, FeedFormat.RSS)


@router.get("/maintenance.atom")
async def maintenance_atom(rt: RT, request: Request) -> Response:
    """The same as /feeds/maintenance.rss, as Atom."""
    return await _answer(request, rt, FeedFormat.ATOM)


@router.get("/services/{name}.rss")
async def service_rss(rt: RT, request: Request, name: ServiceName) -> Response:
    """Public maintenance that reaches one service: its own, the platform's, and windows
    that select it (by id or labels)."""
    return await _answer(request, rt, FeedFormat.RSS, name)


@router.get("/services/{name}.atom")
async def service_atom(rt: RT, request: Request, name: ServiceName) -> Response:
    """The same as /feeds/services/{name}.rss, as Atom."""
    return await _answer(request, rt, FeedFormat.ATOM, name)
