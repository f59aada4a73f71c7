"""The public subscribe pages: the form, the confirmation link, the unsubscribe link (GET
shows a button; POST unsubscribes, as a mail client's RFC 8058 one-click POST does)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from pitstop.api.deps import runtime_of
from pitstop.errors import InvalidInput, NotFound, RateLimited
from pitstop.services import subscribers
from pitstop.web.templating import templates

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Query(max_length=300)]


def _page(request: Request, status: int = 200, **context: Any) -> Response:
    context.setdefault("heading", "Subscribe to maintenance notices")
    headers = {"Cache-Control": "no-store"}
    if "retry_after" in context:
        headers["Retry-After"] = str(context["retry_after"])
    return templates.TemplateResponse(request, "subscribe.html", context, status_code=status,
                                      headers=headers)


@router.get("/subscribe")
async def subscribe_form(request: Request) -> Response:
    names = await subscribers.public_service_names(rt=runtime_of(request))
    return _page(request, form=True, services=names, chosen=[])


@router.post("/subscribe")
async def subscribe(request: Request) -> Response:
    rt = runtime_of(request)
    form = await request.form()
    address = str(form.get("address") or "")[:320]
    chosen = [str(v) for v in form.getlist("service")][:100]
    services = chosen if form.get("scope") == "services" else None
    names = await subscribers.public_service_names(rt=rt)
    again = {"form": True, "services": names, "chosen": chosen, "address": address,
             "error": True, "outcome": "refused"}
    try:
        await subscribers.subscribe(
            rt=rt, kind="email", address=address, services=services,
            ip=request.client.host if request.client else None,
            language=(request.headers.get("accept-language") or "")[:2] or None)
    except InvalidInput as exc:
        return _page(request, 422, message=str(exc), **again)
    except RateLimited as exc:
        return _page(request, 429, message=str(exc), retry_after=exc.retry_after, **again)
    return _page(request, heading="Check your mail", outcome="pending", message=(
        f"We sent a confirmation link to {address}. Open it to start getting maintenance "
        "notices; until then you get nothing else."))


@router.get("/subscribe/confirm")
async def confirm(request: Request, token: Token = "") -> Response:
    try:
        await subscribers.confirm(rt=runtime_of(request), token=token)
    except (InvalidInput, NotFound) as exc:
        return _page(request, 400 if isinstance(exc, InvalidInput) else 404,
                     heading="Not confirmed", message=str(exc), error=True, outcome="refused")
    return _page(request, heading="You are subscribed", outcome="confirmed", message=(
        "Your subscription is confirmed: you will get maintenance notices by email. Every "
        "mail has a link to unsubscribe."))


@router.get("/subscribe/unsubscribe")
async def unsubscribe_page(request: Request, token: Token = "") -> Response:
    return _page(request, heading="Unsubscribe from maintenance notices",
                 unsubscribe_token=token, message="Press the button to stop the mails.")


@router.post("/subscribe/unsubscribe")
async def unsubscribe(request: Request, token: Token = "") -> Response:
    try:
        await subscribers.unsubscribe(rt=runtime_of(request), token=token)
    except (InvalidInput, NotFound) as exc:
        return _page(request, 400 if isinstance(exc, InvalidInput) else 404,
                     heading="Not unsubscribed", message=str(exc), error=True,
                     outcome="refused")
    return _page(request, heading="Unsubscribed", outcome="unsubscribed",
                 message="You will get no more maintenance notices.")
