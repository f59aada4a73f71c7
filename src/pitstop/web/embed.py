"""The embeddable maintenance banner: ``/embed/banner`` (a small page for an iframe: ongoing
and upcoming public maintenance) and ``/embed/banner.js`` (a script that puts that iframe into
any page and sizes it). Public data only; the page asks nothing of another host."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import runtime_of
from pitstop.services import status_page as public_status
from pitstop.web import i18n
from pitstop.web.templating import STATIC, templates

router = APIRouter(include_in_schema=False)
SCRIPT = (STATIC / "embed-banner.js").read_bytes()
SHOWN_UPCOMING = 3


@router.get("/embed/banner")
async def banner(request: Request) -> Response:
    """What is going on now and what is planned next, in a few lines. Framing from any site
    is allowed: that is its purpose."""
    view = await public_status.compose(runtime_of(request), clock.now(), since=None,
                                       until=None, page=1)
    state = "ongoing" if view.banner == "maintenance" else "upcoming" if view.upcoming \
        else "none"
    chosen, remembered = i18n.choose(request)
    response = templates.TemplateResponse(
        request, "embed_banner.html",
        {"page": view, "state": state, "upcoming": view.upcoming[:SHOWN_UPCOMING],
         "lang": chosen},
        headers={"Cache-Control": "no-cache"})
    i18n.remember(response, remembered)
    return response


@router.get("/embed/banner.js")
async def banner_script() -> Response:
    return Response(SCRIPT, media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300",
                             "Access-Control-Allow-Origin": "*"})
