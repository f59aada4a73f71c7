"""The live stream's fan-out: each event is encoded once and handed to every matching client's
bounded queue. A client that falls too far behind is cut off with a reason and resumes by id;
it never slows the others. A client that reconnects with its last id first gets what it
missed from the event log (:func:`replay`), then the live tail (:func:`frames`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

from pitstop.encoding import dumps
from pitstop.services.events import Event
from pitstop.storage import events as events_q
from pitstop.storage.engine import Database

QUEUE_SIZE = 1_000
PAGE = 1_000  # events read from the log at a time when a client catches up


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


async def replay(db: Database, filter_: Filter, after: int | None) -> AsyncIterator[Frame]:
    """The events after ``after`` from the log that ``filter_`` accepts, in order (nothing
    when ``after`` is None): what a reconnecting client missed."""
    if after is None:
        return
    last = after
    while True:
        async with db.read() as conn:
            rows = await events_q.events_after(
                conn=conn, after=last, limit=PAGE,
                types=sorted(filter_.types) if filter_.types else None,
                target=filter_.target)
        for row in rows:
            last = row["id"]
            yield Frame.of(row["id"], row["type"], row["target"], {
                "id": row["id"], "type": row["type"], "target": row["target"],
                "at": row["at"], "data": row["data"]})
        if len(rows) < PAGE:
            return


async def frames(db: Database, sub: Subscriber, after: int | None, keepalive_s: float
                 ) -> AsyncIterator[Frame | None]:
    """Missed events from the log, then the live tail, with nothing twice (``sub`` was
    subscribed before the log is read, and live events already sent are skipped); None on
    a keepalive tick (every ``keepalive_s`` without an event). Raises :class:`FellBehind`
    when the client's queue overflowed."""
    last = after if after is not None else 0
    async for frame in replay(db, sub.filter, after):
        last = frame.id
        yield frame
    while True:
        try:
            async with asyncio.timeout(keepalive_s):
                frame = await sub.queue.get()
        except TimeoutError:
            yield None  # a keepalive
            continue
        if frame is None:
            raise FellBehind(last)
        if frame.id > last:
            last = frame.id
            yield frame


class FellBehind(Exception):
    def __init__(self, last: int) -> None:
        super().__init__(f"this client fell behind; reconnect with after={last}")
        self.last = last
