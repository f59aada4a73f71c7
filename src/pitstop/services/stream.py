"""The live stream's fan-out: each event is encoded once — JSON, one WebSocket frame, one SSE
chunk — and handed to every matching client. A client whose server hands the app its socket
(a :class:`Wire`, see ``pitstop.api.wire``) gets the shared bytes written straight to it once it
has caught up; any other client gets them through its bounded queue. A client that falls too
far behind (queue full, or too many bytes unsent on its socket) is cut off with a reason and
resumes by id; it never slows the others. A client that reconnects with its last id first
gets what it missed from the event log (:func:`replay`), then the live tail (:func:`frames`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pitstop.encoding import dumps
from pitstop.services.events import Event
from pitstop.storage import events as events_q
from pitstop.storage.engine import Database

QUEUE_SIZE = 1_000
BACKLOG_BYTES = 1 << 20  # unsent bytes on a client's socket before it is cut off
PAGE = 1_000  # events read from the log at a time when a client catches up


@dataclass(frozen=True, slots=True)
class Frame:
    """One event, encoded once: the JSON (bytes, and text for WebSocket), the SSE frame, and
    what goes on the wire for each: a whole WebSocket text frame (a server's frames are not
    masked, so they are the same bytes for every client) and the SSE frame as one HTTP/1.1
    chunk."""

    id: int
    type: str
    target: str | None
    json: bytes
    sse: bytes
    text: str
    ws_frame: bytes
    sse_chunk: bytes

    @classmethod
    def of(cls, event_id: int, type_: str, target: str | None, body: dict[str, Any]
           ) -> Frame:
        data = dumps(body)
        sse = b"id: %d\nevent: %s\ndata: %s\n\n" % (event_id, type_.encode(), data)
        return cls(event_id, type_, target, data, sse, data.decode(), _text_frame(data),
                   b"%x\r\n%s\r\n" % (len(sse), sse))


def _text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented WebSocket text frame (RFC 6455 section 5.2)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


class Wire(Protocol):
    """A client's socket, handed to the app by the server once the response has started."""

    def send(self, frame: Frame) -> bool:
        """Write the frame's shared bytes (nothing once the connection is closing); False,
        writing nothing, when more than :data:`BACKLOG_BYTES` are still unsent."""
        ...


@dataclass(frozen=True, slots=True)
class Filter:
    types: frozenset[str] | None = None
    target: str | None = None

    def accepts(self, type_: str, target: str | None) -> bool:
        return (self.types is None or type_ in self.types) and (
            self.target is None or target == self.target)


@dataclass(eq=False, slots=True)
class Subscriber:
    """A client of the stream. Until ``wire`` is set (when it has caught up) its frames go
    through ``queue``; from then on the queue only carries the None that cuts it off, and
    ``last`` is the id of the last frame written to its wire."""

    filter: Filter
    queue: asyncio.Queue[Frame | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False
    wire: Wire | None = None
    last: int = 0


class StreamHub:
    """The subscribers, grouped by filter: a filter is asked once per event, not once per
    client (thousands of clients share a handful of filters)."""

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self._groups: dict[Filter, set[Subscriber]] = {}
        self.published = 0

    def subscribe(self, filter_: Filter) -> Subscriber:
        sub = Subscriber(filter_)
        self.subscribers.add(sub)
        self._groups.setdefault(filter_, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        group = self._groups.get(sub.filter)
        if group is not None:
            group.discard(sub)
            if not group:
                del self._groups[sub.filter]

    def broadcast(self, events: Iterable[Event]) -> None:
        for event in events:
            if event.id is None:
                continue
            frame = Frame.of(event.id, event.type, event.target, event.to_json())
            self.published += 1
            for filter_, group in list(self._groups.items()):
                if filter_.accepts(frame.type, frame.target):
                    self._deliver(frame, group)

    def _deliver(self, frame: Frame, group: set[Subscriber]) -> None:
        too_slow = []
        for sub in group:
            wire = sub.wire
            if wire is not None:
                if wire.send(frame):
                    sub.last = frame.id
                else:
                    too_slow.append(sub)
                continue
            try:
                sub.queue.put_nowait(frame)
            except asyncio.QueueFull:
                too_slow.append(sub)
        for sub in too_slow:
            self._cut_off(sub)

    def _cut_off(self, sub: Subscriber) -> None:
        """Too slow: drop its backlog and tell it to resume from its last id."""
        sub.overflowed = True
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)
        self.unsubscribe(sub)


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


async def frames(db: Database, sub: Subscriber, after: int | None, keepalive_s: float | None,
                 wire: Wire | None = None) -> AsyncIterator[Frame | None]:
    """Missed events from the log, then the live tail, with nothing twice (``sub`` was
    subscribed before the log is read, and live events already sent are skipped); None on
    a keepalive tick (every ``keepalive_s`` without an event). With a ``wire``, once the
    log and the queue are drained, the live tail is written to it by the hub and this only
    yields keepalives. Raises :class:`FellBehind` when the client fell behind.

    The caller sends each yielded frame before asking for the next, so the switch to the
    wire (on an empty queue, with no await in between) keeps every frame in order."""
    last = after if after is not None else 0
    async for frame in replay(db, sub.filter, after):
        last = frame.id
        yield frame
    while True:
        if wire is not None and sub.wire is None and sub.queue.empty():
            sub.last, sub.wire = last, wire
        try:
            async with asyncio.timeout(keepalive_s):
                frame = await sub.queue.get()
        except TimeoutError:
            yield None  # a keepalive
            continue
        if frame is None:
            raise FellBehind(sub.last if sub.wire is not None else last)
        if frame.id > last:
            last = frame.id
            yield frame


class FellBehind(Exception):
    def __init__(self, last: int) -> None:
        super().__init__(f"this client fell behind; reconnect with after={last}")
        self.last = last
