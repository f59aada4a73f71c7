"""The public subscribe pages: the form, the confirmation link, the unsubscribe link (GET
shows a button; POST unsubscribes, as a mail client's RFC 8058 one-click POST does)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from pitstop.api.deps import runtime_of
from pitstop.errors import InvalidInput, NotFound, RateLimited
from pitstop.services import branding, subscribers
from pitstop.web import i18n
from pitstop.web.i18n import N_
from pitstop.web.templating import templates

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Query(max_length=300)]
SUBSCRIBE = N_("Subscribe to maintenance notices")
SENT = N_("We sent a confirmation link to %(address)s. Open it to start getting maintenance "
          "notices; until then you get nothing else.")
CONFIRMED = N_("Your subscription is confirmed: you will get maintenance notices by email. "
               "Every mail has a link to unsubscribe.")
PRESS = N_("Press the button to stop the mails.")
GONE = N_("You will get no more maintenance notices.")
MESSAGES = frozenset({SENT, CONFIRMED, PRESS, GONE})


def _page(request: Request, status: int = 200, *, values: dict[str, str] | None = None,
          **context: Any) -> Response:
    """The page in the viewer's language (as the status page chooses it). ``heading`` and a
    ``message`` marked with ``N_`` are translated here, filled with ``values``; a message
    from a refusal (the service's own text) is shown as it is."""
    lang, remembered = i18n.choose(request)
    words = i18n.translations(lang)
    context["heading"] = words.gettext(context.get("heading", SUBSCRIBE))
    if context.get("message") in MESSAGES:
        context["message"] = words.gettext(context["message"]) % (values or {})
    context.update(lang=lang, languages=i18n.LANGUAGES,
                   title=branding.page_branding(runtime_of(request)).title)
    headers = {"Cache-Control": "no-store"}
    if "retry_after" in context:
        headers["Retry-After"] = str(context["retry_after"])
    response = templates.TemplateResponse(request, "subscribe.html", context,
                                          status_code=status, headers=headers)
    i18n.remember(response, remembered)
    return response


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
            language=i18n.choose(request)[0])
    except InvalidInput as exc:
        return _page(request, 422, message=str(exc), **again)
    except RateLimited as exc:
        return _page(request, 429, message=str(exc), retry_after=exc.retry_after, **again)
    return _page(request, heading=N_("Check your mail"), outcome="pending", message=SENT,
                 values={"address": address})


@router.get("/subscribe/confirm")
async def confirm(request: Request, token: Token = "") -> Response:
    try:
        await subscribers.confirm(rt=runtime_of(request), token=token)
    except (InvalidInput, NotFound) as exc:
        return _page(request, 400 if isinstance(exc, InvalidInput) else 404,
                     heading=N_("Not confirmed"), message=str(exc), error=True,
                     outcome="refused")
    return _page(request, heading=N_("You are subscribed"), outcome="confirmed",
                 message=CONFIRMED)


@router.get("/subscribe/unsubscribe")
async def unsubscribe_page(request: Request, token: Token = "") -> Response:
    return _page(request, heading=N_("Unsubscribe from maintenance notices"),
                 unsubscribe_token=token, message=PRESS)


@router.post("/subscribe/unsubscribe")
async def unsubscribe(request: Request, token: Token = "") -> Response:
    try:
        await subscribers.unsubscribe(rt=runtime_of(request), token=token)
    except (InvalidInput, NotFound) as exc:
        return _page(request, 400 if isinstance(exc, InvalidInput) else 404,
                     heading=N_("Not unsubscribed"), message=str(exc), error=True,
                     outcome="refused")
    return _page(request, heading=N_("Unsubscribed"), outcome="unsubscribed", message=GONE)
