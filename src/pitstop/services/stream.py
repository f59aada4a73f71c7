"""The live stream's fan-out: each event is encoded once and handed to every matching client's
bounded queue. A client that falls too far behind is cut off with a reason and resumes by id;
it never slows the others."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pitstop.encoding import dumps
from pitstop.services.events import Event

QUEUE_SIZE = 1_000


@dataclass(frozen=True, slots=True)
class Frame:
    """One event, encoded once: the JSON (bytes, and text for WebSocket) and the SSE frame."""

    id: int
    type: str
    target: str | None
    json: bytes
    sse: bytes
    text: str

    @classmethod
    def of(cls, event_id: int, type_: str, target: str | None, body: dict[str, Any]
           ) -> Frame:
        data = dumps(body)
        sse = b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, type_.encode(), data)
        return cls(event_id, type_, target, data, sse, data.decode())


@dataclass(frozen=True, slots=True)
class Filter:
    types: frozenset[str] | None = None
    target: str | None = None

    def accepts(self, type_: str, target: str | None) -> bool:
        return (self.types is None or type_ in self.types) and (
            self.target is None or target == self.target)


@dataclass(eq=False)
class Subscriber:
    filter: Filter
    queue: asyncio.Queue[Frame | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False


class StreamHub:
    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.published = 0

    def subscribe(self, filter_: Filter) -> Subscriber:
        sub = Subscriber(filter_)
        self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def broadcast(self, events: Iterable[Event]) -> None:
        for event in events:
            if event.id is None:
                continue
            frame = Frame.of(event.id, event.type, event.target, event.to_json())
            self.published += 1
            for sub in list(self.subscribers):
                if sub.overflowed or not sub.filter.accepts(frame.type, frame.target):
                    continue
                try:
                    sub.queue.put_nowait(frame)
                except asyncio.QueueFull:
                    self._cut_off(sub)

    def _cut_off(self, sub: Subscriber) -> None:
        """Too slow: drop its backlog and tell it to resume from its last id."""
        sub.overflowed = True
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)
        self.subscribers.discard(sub)
