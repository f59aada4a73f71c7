"""/v1/channels, /v1/subscriptions and /v1/deliveries (admin): where notifications go, and
what became of each."""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import Path, Query
from pydantic import WithJsonSchema
from starlette.responses import Response

from pitstop.api.deps import RT, Admin
from pitstop.api.models.notifications import (
    Channel,
    ChannelList,
    ChannelTest,
    Delivery,
    DeliveryList,
    DeliveryStatus,
    Subscription,
    SubscriptionList,
)
from pitstop.api.openapi import api_router
from pitstop.api.params import DeliveryBefore, DeliveryId
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import ChannelBody, SubscriptionBody
from pitstop.services import channels, deliveries

router = api_router(tags=["notifications"], responses=problems(401, 403, 429))
# Channel and subscription ids are ch_/sub_ and 12 hex digits; any other text is a 404.
ObjectId = Annotated[str, Path(max_length=32)]
# Checked by the service, whose message lists the statuses.
StatusFilter = Annotated[str | None, Query(), WithJsonSchema(
    {"type": "string", "enum": list(get_args(DeliveryStatus))})]
ChannelFilter = Annotated[str | None, Query(max_length=32, description="a channel's id")]


@router.post("/v1/channels", status_code=201, response_model=Channel, responses=problems(409))
async def create_channel(rt: RT, who: Admin, body: ChannelBody) -> Response:
    created = await channels.create_channel(
        rt=rt, name=body.name, kind=body.kind, url=body.url, secret=body.secret,
        timeout_s=body.timeout_s, actor=who.name)
    return json_response(created, 201)


@router.get("/v1/channels", response_model=ChannelList)
async def list_channels(rt: RT, _: Admin) -> Response:
    return json_response({"items": await channels.list_channels(rt=rt)})


@router.delete("/v1/channels/{channel_id}", status_code=204, responses=problems(404))
async def delete_channel(rt: RT, who: Admin, channel_id: ObjectId) -> Response:
    await channels.delete_channel(rt=rt, channel_id=channel_id, actor=who.name)
    return Response(status_code=204)


@router.post("/v1/channels/{channel_id}/test", response_model=ChannelTest,
             responses=problems(404, 502))
async def test_channel(rt: RT, who: Admin, channel_id: ObjectId) -> Response:
    """Send a test message now. A receiver's failure is a 502 ``channel-failed`` problem
    with the members of a success (``delivery``, ``status_code``…)."""
    return json_response(await deliveries.test_channel(rt=rt, channel_id=channel_id,
                                                       actor=who.name))


@router.post("/v1/subscriptions", status_code=201, response_model=Subscription)
async def create_subscription(rt: RT, who: Admin, body: SubscriptionBody) -> Response:
    created = await channels.create_subscription(
        rt=rt, channel_id=body.channel, events=body.events, target=body.target,
        window_id=body.window, actor=who.name)
    return json_response(created, 201)


@router.get("/v1/subscriptions", response_model=SubscriptionList)
async def list_subscriptions(rt: RT, _: Admin, channel: ChannelFilter = None) -> Response:
    return json_response({"items": await channels.list_subscriptions(rt=rt,
                                                                     channel_id=channel)})


@router.delete("/v1/subscriptions/{subscription_id}", status_code=204,
               responses=problems(404))
async def delete_subscription(rt: RT, who: Admin, subscription_id: ObjectId) -> Response:
    await channels.delete_subscription(rt=rt, subscription_id=subscription_id,
                                       actor=who.name)
    return Response(status_code=204)


@router.get("/v1/deliveries", response_model=DeliveryList)
async def list_deliveries(
    rt: RT, _: Admin, status: StatusFilter = None, channel: ChannelFilter = None,
    before: DeliveryBefore = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    return json_response(await deliveries.list_deliveries(
        rt=rt, status=status, channel_id=channel, before=before, limit=limit))


@router.post("/v1/deliveries/{delivery_id}/retry", response_model=Delivery,
             responses=problems(404, 409))
async def retry_delivery(rt: RT, who: Admin, delivery_id: DeliveryId) -> Response:
    return json_response(await deliveries.retry_delivery(rt=rt, delivery_id=delivery_id,
                                                         actor=who.name))
