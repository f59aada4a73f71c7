"""Domain events, published after each commit, and the in-process bus that fans them out."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


# Events that only this process's memory needs (the hot paths, secrets): never streamed.
LOCAL_ONLY = ("lease.acquired", "lease.released", "lease.renewed", "lease.phase_changed",
              "token.", "node.reported", "service.status_reported")


@dataclass(frozen=True, slots=True)
class Event:
    """Something that changed. ``payload`` holds the new record for the snapshot; ``id``
    is its place in the event log once recorded (streamed events only)."""

    type: str
    target: str | None
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)
    payload: Any = None
    id: int | None = None

    @property
    def streamed(self) -> bool:
        return not self.type.startswith(LOCAL_ONLY)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "target": self.target, "at": self.at,
                "data": self.data}


Subscriber = Callable[[Event], None]


class EventBus:
    """Synchronous fan-out to subscribers; a failing subscriber is logged, never fatal."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: Event) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # a subscriber's bug must not undo a committed change
                log.exception("event subscriber failed on %s", event.type)
