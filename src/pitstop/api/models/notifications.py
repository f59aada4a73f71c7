"""Channels, subscriptions and deliveries, as services/channels.py and services/deliveries.py
write them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape

NotificationKind = Literal["maintenance_entered", "maintenance_exited", "scheduled", "reminder",
                           "starting_soon", "in_progress", "completed", "cancelled",
                           "rescheduled", "maintenance_update"]
DeliveryStatus = Literal["pending", "delivered", "dead"]


class Channel(Shape):
    """Where notifications go. Its secrets are never shown."""

    id: str
    name: str
    kind: Literal["webhook", "apprise"]
    url: str = Field(description="the url with its secrets masked (***)")
    has_secret: bool = Field(description="a webhook's signing key is set")
    timeout_s: float = Field(description="how long one attempt may take")
    created_at: datetime
    created_by: str


class ChannelList(Shape):
    items: list[Channel]


class ChannelTest(Shape):
    """A test message that reached the receiver (a failure is a 502 problem with the same
    members)."""

    delivery: int = Field(description="the delivery recorded for it")
    channel: str
    status_code: int | None = Field(description="the receiver's HTTP status, if any")
    duration_ms: int
    delivered: bool


class Subscription(Shape):
    """Which notifications a channel gets: kinds, optionally about one target or window."""

    id: str
    channel: str
    events: list[NotificationKind]
    target: str | None
    window: int | None
    created_at: datetime
    created_by: str


class SubscriptionList(Shape):
    items: list[Subscription]


class DeliveryAttempt(Shape):
    at: datetime
    status_code: int | None = Field(description="the receiver's HTTP status, if any")
    error: str | None
    duration_ms: int


class Delivery(Shape):
    """One notification to one channel, with every attempt to send it."""

    id: int
    key: str = Field(description="the idempotency key the receiver sees")
    channel: str
    kind: NotificationKind | Literal["test"]
    subject: str | None = Field(description="what it is about; a newer delivery about the "
                                "same subject supersedes it")
    status: DeliveryStatus
    event: int | None = Field(description="the event that caused it")
    title: str | None
    attempts: int = Field(description="attempts in the current series")
    created_at: datetime
    next_attempt_at: datetime | None = Field(description="while pending")
    delivered_at: datetime | None
    last_error: str | None
    history: list[DeliveryAttempt]


class DeliveryList(Shape):
    items: list[Delivery]
    next: int | None = Field(description="pass as `before` for the next page; null at the end")
