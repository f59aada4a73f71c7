"""The console's services, channels (with deliveries), subscribers, silences, tokens and
branding pages. They read; the page's script acts through the documented API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from pitstop.api.deps import runtime_of
from pitstop.services import (
    branding,
    channels,
    deliveries,
    service_status,
    silence_rules,
    subscribers,
    tokens,
)
from pitstop.web.common import AdminSession, Session, render

router = APIRouter(prefix="/console", include_in_schema=False)
DELIVERIES = 50
SILENCES = 50


@router.get("/services")
async def services_page(request: Request, session: Session, partial: bool = False) -> Response:
    items = [v.to_json() for v in service_status.list_services(runtime_of(request).state)]
    return render(request, session, "services", "console/_services.html",
                  {"services": items}, partial, "Services")


@router.get("/channels")
async def channels_page(
    request: Request, session: AdminSession,
    status: Annotated[str | None, Query()] = None, partial: bool = False,
) -> Response:
    rt = runtime_of(request)
    listed = await deliveries.list_deliveries(rt=rt, status=status or None, channel_id=None,
                                              before=None, limit=DELIVERIES)
    context = {"channels": await channels.list_channels(rt=rt),
               "subscriptions": await channels.list_subscriptions(rt=rt, channel_id=None),
               "deliveries": listed["items"], "status": status or ""}
    context["aside_template"] = "console/_channels_forms.html"
    return render(request, session, "channels", "console/_channels.html", context, partial,
                  "Channels")


@router.get("/tokens")
async def tokens_page(request: Request, session: AdminSession, partial: bool = False) -> Response:
    items = await tokens.list_tokens(rt=runtime_of(request))
    return render(request, session, "tokens", "console/_tokens.html",
                  {"tokens": items, "aside_template": "console/_tokens_forms.html"},
                  partial, "Tokens")


@router.get("/branding")
async def branding_page(request: Request, session: AdminSession, partial: bool = False) -> Response:
    rt = runtime_of(request)
    groups, ungrouped = branding.service_grouping(rt)
    context = {"branding": branding.page_branding(rt), "groups": [g.to_json() for g in groups],
               "ungrouped": ungrouped, "aside_template": "console/_branding_forms.html"}
    return render(request, session, "branding", "console/_branding.html", context, partial,
                  "Branding")


@router.get("/subscribers")
async def subscribers_page(request: Request, session: AdminSession, partial: bool = False
                           ) -> Response:
    items = await subscribers.list_subscribers(rt=runtime_of(request))
    return render(request, session, "subscribers", "console/_subscribers.html",
                  {"subscribers": items}, partial, "Subscribers")


@router.get("/silences")
async def silences_page(request: Request, session: AdminSession,
                        partial: bool = False) -> Response:
    rt = runtime_of(request)
    context = {"rules": await silence_rules.list_silence_rules(rt=rt),
               "silences": await silence_rules.list_silences(rt=rt, limit=SILENCES),
               "enabled": rt.silence_worker is not None,
               "aside_template": "console/_silences_forms.html"}
    return render(request, session, "silences", "console/_silences.html", context, partial,
                  "Silences")
