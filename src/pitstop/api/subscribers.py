"""Public subscribers: visitors subscribe without a token (/v1/public/subscribers); admins
list, export and remove them (/v1/subscribers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request
from starlette.responses import Response

from pitstop.api.deps import RT, Admin
from pitstop.api.models.subscribers import SubscribeResult, SubscriberList
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import SubscriberBody
from pitstop.services import subscribers

router = api_router(tags=["subscribers"], responses=problems(429))
SubscriberId = Annotated[str, Path(max_length=32)]


@router.post("/v1/public/subscribers", status_code=202, response_model=SubscribeResult)
async def subscribe(rt: RT, request: Request, body: SubscriberBody) -> Response:
    """Subscribe to maintenance notices (no token). An email address gets a confirmation
    mail and nothing else until it confirms; a webhook is confirmed at once. Rate-limited
    per client address and per subscribed address (429 with `Retry-After`)."""
    done = await subscribers.subscribe(
        rt=rt, kind=body.kind, address=body.address, services=body.services,
        ip=request.client.host if request.client else None, language=body.language)
    return json_response({k: done[k] for k in ("id", "kind", "status", "services", "secret")},
                         202)


@router.get("/v1/subscribers", response_model=SubscriberList, responses=problems(401, 403))
async def list_subscribers(rt: RT, _: Admin) -> Response:
    """Every public subscriber, oldest first (`/v1/subscribers.csv`: the same as CSV)."""
    return json_response({"items": await subscribers.list_subscribers(rt=rt)})


@router.get("/v1/subscribers.csv", include_in_schema=False)
async def export_subscribers(rt: RT, _: Admin) -> Response:
    body = subscribers.subscribers_csv(await subscribers.list_subscribers(rt=rt))
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="subscribers.csv"'})


@router.delete("/v1/subscribers/{subscriber_id}", status_code=204,
               responses=problems(401, 403, 404))
async def remove_subscriber(rt: RT, who: Admin, subscriber_id: SubscriberId) -> Response:
    """Remove a subscriber: nothing more is sent to it, pending mails included."""
    await subscribers.remove_subscriber(rt=rt, subscriber_id=subscriber_id, actor=who.name)
    return Response(status_code=204)
