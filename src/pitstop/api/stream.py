"""The live stream: ``GET /v1/events`` (Server-Sent Events) and ``/v1/stream`` (WebSocket).

A client that reconnects with its last id (``Last-Event-ID`` or ``?after=``) first gets what
it missed from the event log, in order, then the live tail, with nothing twice: it subscribes
before reading the log and skips live events it has already been sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import Request, WebSocket, WebSocketDisconnect
from starlette.requests import HTTPConnection
from starlette.responses import StreamingResponse

from pitstop.api.deps import runtime_of
from pitstop.api.openapi import api_router
from pitstop.api.params import EVENT_ID_MAX
from pitstop.api.problems import close_reason, domain_problem, problems, refuse_websocket
from pitstop.api.wire import wire_of
from pitstop.errors import InvalidInput, PitstopError
from pitstop.services.auth import authenticate, authorize
from pitstop.services.gate import GATE_EVENTS
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Principal
from pitstop.services.stream import FellBehind, Filter, Subscriber, frames

router = api_router(tags=["stream"])
KEEPALIVE_S = 15.0


async def _principal(conn: HTTPConnection) -> Principal:
    """A bearer token, or ``?token=`` (browsers cannot set headers on a WebSocket)."""
    rt = runtime_of(conn)  # type: ignore[arg-type]
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    secret = value.strip() if scheme.lower() == "bearer" else conn.query_params.get("token")
    address = conn.client.host if conn.client else "unknown"
    return authorize(await authenticate(rt, secret or None, address), "stream")


def _filter(conn: HTTPConnection, principal: Principal) -> Filter:
    raw_types = conn.query_params.get("types")
    types = frozenset(t.strip() for t in raw_types.split(",") if t.strip()) if raw_types \
        else None
    target = conn.query_params.get("target")
    if principal.role == "agent":  # an agent hears about its own node only
        target = principal.node
    if principal.role == "worker":  # a worker hears what changes a gate, nothing else
        types = GATE_EVENTS if types is None else types & GATE_EVENTS
    return Filter(types, target)


def _after(conn: HTTPConnection) -> int | None:
    raw = conn.headers.get("last-event-id") or conn.query_params.get("after")
    if raw is None:
        return None
    # isascii: str.isdigit() also accepts digits int() refuses, such as '²'
    if not (raw.isascii() and raw.isdigit()) or int(raw) > EVENT_ID_MAX:
        raise InvalidInput(f"after / Last-Event-ID must be an event id from 0 to "
                           f"{EVENT_ID_MAX} (got {raw[:40]!r})", field="after")
    return int(raw)


# /v1/events reads its parameters itself (the WebSocket shares them): documented here.
_AFTER = {"type": "integer", "minimum": 0, "maximum": EVENT_ID_MAX}
SSE_PARAMETERS = [
    {"name": "types", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "comma-separated event types to keep (all when omitted)"},
    {"name": "target", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "keep the events about this target"},
    {"name": "after", "in": "query", "required": False, "schema": _AFTER,
     "description": "resume after this event id (the log's missed events come first)"},
    {"name": "Last-Event-ID", "in": "header", "required": False, "schema": _AFTER,
     "description": "as `after`; sent by browsers when they reconnect"},
    {"name": "token", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "the API token, for clients that cannot set Authorization "
                    "(EventSource)"},
]
SSE_200 = {
    "description": "An endless text/event-stream: a `retry:` line, then per event `id:` "
    "(its id), `event:` (its type) and `data:` (JSON: id, type, target, at, data); "
    "`: keepalive` comments while idle; `event: overflow` before the server ends a stream "
    "whose client fell behind (reconnect with `after`).",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}


@router.get("/v1/events", response_class=StreamingResponse,
            responses={200: SSE_200, **problems(401, 403, 422, 429)},
            openapi_extra={"parameters": SSE_PARAMETERS})
async def sse(request: Request) -> StreamingResponse:
    """Server-Sent Events: ``id``, ``event`` (the type) and ``data`` (JSON) per event.
    Filters: ``?types=a,b`` and ``?target=``; resume with ``Last-Event-ID`` or ``?after=``."""
    principal = await _principal(request)
    rt, filter_, after = runtime_of(request), _filter(request, principal), _after(request)
    wire = wire_of(request.scope)

    async def body() -> AsyncIterator[bytes]:
        # Subscribed here, not before the response starts: a client gone before then
        # must not leave a subscriber behind. (Still before the log is read: see _frames.)
        sub = rt.stream.subscribe(filter_)
        try:
            # Neither line ends a block: a block with no data is not dispatched by browsers,
            # but some clients (httpx-sse) yield it as an empty message event. The reconnect
            # time applies as soon as it is read; the first real event ends its block.
            yield b"retry: 2000\n"
            async for frame in frames(rt.db, sub, after, KEEPALIVE_S, wire):
                yield b": keepalive\n" if frame is None else frame.sse
        except FellBehind as exc:
            yield b"event: overflow\ndata: %s\n\n" % str(exc).encode()
        finally:
            rt.stream.unsubscribe(sub)

    return StreamingResponse(body(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.websocket("/v1/stream")
async def websocket(ws: WebSocket) -> None:
    """WebSocket: one JSON text message per event. Same filters and resume as SSE."""
    try:
        principal = await _principal(ws)
        filter_, after = _filter(ws, principal), _after(ws)
    except PitstopError as exc:  # answered in HTTP, as /v1/events would answer (401, 422, …)
        await refuse_websocket(ws.scope, ws.receive, ws.send, domain_problem(ws, exc))
        return
    await ws.accept()
    rt = runtime_of(ws)  # type: ignore[arg-type]
    sub = rt.stream.subscribe(filter_)
    sender = asyncio.create_task(_send_frames(ws, rt, sub, after))
    try:  # read only to notice the client leaving; it has nothing to say
        while not sender.done():
            receiving = asyncio.create_task(ws.receive())
            await asyncio.wait({receiving, sender}, return_when=asyncio.FIRST_COMPLETED)
            if receiving.done() and receiving.result()["type"] == "websocket.disconnect":
                break
            receiving.cancel()
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        rt.stream.unsubscribe(sub)


async def _send_frames(ws: WebSocket, rt: Runtime, sub: Subscriber, after: int | None
                       ) -> None:
    """The log's missed events, then the live tail: written by the hub straight to the socket
    when the server offers it (``pitstop serve``), else sent here. No keepalive is needed:
    uvicorn pings the socket."""
    try:
        async for frame in frames(rt.db, sub, after, None, wire_of(ws.scope)):
            if frame is not None:
                await ws.send({"type": "websocket.send", "text": frame.text})
    except FellBehind as exc:
        with contextlib.suppress(Exception):
            await ws.close(code=4008, reason=close_reason(str(exc)))
    except WebSocketDisconnect:
        pass
