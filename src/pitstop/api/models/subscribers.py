"""Public subscribers, as services/subscribers.py writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape


class Subscriber(Shape):
    """A visitor subscribed to maintenance notices."""

    id: str
    kind: Literal["email", "webhook"]
    address: str = Field(description="the email address or the webhook url")
    services: list[str] | None = Field(description="the services chosen; null: all")
    status: Literal["pending", "confirmed"] = Field(
        description="pending until the confirmation link is opened (email)")
    created_at: datetime
    confirmed_at: datetime | None
    created_ip: str | None = Field(description="the client address that subscribed")
    language: str | None


class SubscriberList(Shape):
    items: list[Subscriber]


class SubscribeResult(Shape):
    """What a visitor learns after subscribing."""

    id: str
    kind: Literal["email", "webhook"]
    status: Literal["pending", "confirmed"]
    services: list[str] | None
    secret: str | None = Field(description="webhook only: the key each POST's "
                               "X-Pitstop-Signature is made with (shown once)")
