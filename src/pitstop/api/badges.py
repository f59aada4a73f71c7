"""/badge/{service}.svg and /badge/platform.svg: a status badge for READMEs and dashboards,
no token needed, cache-friendly (ETag, If-None-Match answers 304)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import Header, Path
from starlette.responses import Response

from pitstop import clock
from pitstop.api import badge_svg
from pitstop.api.deps import RT
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.domain.targets import NAME_PATTERN
from pitstop.services.badges import badge_for

router = api_router(tags=["badges"])
# A badge changes when the status does: readers revalidate each time (cheap with the ETag).
CACHE = "no-cache"
HEADERS = {"ETag": {"description": "the badge's content hash: send it in If-None-Match",
                    "schema": {"type": "string"}},
           "Cache-Control": {"description": "no-cache: revalidate with the ETag",
                             "schema": {"type": "string"}}}
SVG = {200: {"description": "an SVG image in shields.io's flat style", "headers": HEADERS,
             "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
       304: {"description": "Not Modified: If-None-Match names the current ETag (no body)",
             "headers": HEADERS}}
ServiceName = Annotated[str, Path(
    description="a service's name (1-63 of a-z 0-9 - _ .), or `platform` for the whole page",
    json_schema_extra={"pattern": NAME_PATTERN})]


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or etag in (t.strip().removeprefix("W/")
                                             for t in header.split(","))


@router.get("/badge/{service}.svg", response_class=Response,
            responses={**SVG, **problems(404, 422)})
async def badge(rt: RT, service: ServiceName,
                if_none_match: Annotated[str | None, Header()] = None) -> Response:
    """The status the status page shows: a service's displayed status (operational,
    maintenance, degraded, down, unknown), or with `platform` the page's banner."""
    svg = badge_svg.render(await badge_for(rt, service, clock.now())).encode()
    etag = '"' + hashlib.sha256(svg).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)
