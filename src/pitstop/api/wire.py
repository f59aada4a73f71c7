"""The stream's shared bytes, written straight to each client's socket.

A server-to-client WebSocket frame is not masked, and an SSE event is one HTTP/1.1 chunk: the
same bytes for every client. The hub encodes each event once (``services.stream.Frame``) and,
for a client that has caught up, writes them to its transport with no per-client framing, task
switch or middleware. ASGI has no such call, so ``pitstop serve`` runs uvicorn with the two
protocols below, which hand the app a :class:`Wire` under the scope extension ``pitstop.wire``.
Under any other server the extension is absent and every frame goes through ASGI ``send``.

Each write is one whole frame or chunk, as are uvicorn's own (pings, closes, keepalives), so
they never interleave inside one another.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import Scope
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from pitstop.services.stream import BACKLOG_BYTES, Frame, Wire

EXTENSION = "pitstop.wire"


def wire_of(scope: Scope) -> Wire | None:
    return scope.get("extensions", {}).get(EXTENSION)  # type: ignore[no-any-return]


class _SocketWire:
    """A WebSocket connection's transport: writes ``Frame.ws_frame`` while the connection is
    open (a close sent or received ends the writing)."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def send(self, frame: Frame) -> bool:
        protocol = self._protocol
        transport = protocol.transport
        if protocol.close_sent or protocol.conn.state is not State.OPEN \
                or transport.is_closing():
            return True  # the app hears of the close from receive()
        if transport.get_write_buffer_size() > BACKLOG_BYTES:
            return False
        transport.write(frame.ws_frame)
        return True


class _ChunkWire:
    """A streaming HTTP response's transport: writes ``Frame.sse_chunk`` while the response
    is chunked, started and not complete."""

    __slots__ = ("_cycle",)

    def __init__(self, cycle: RequestResponseCycle) -> None:
        self._cycle = cycle

    def send(self, frame: Frame) -> bool:
        cycle = self._cycle
        transport = cycle.transport
        if cycle.disconnected or cycle.response_complete or not cycle.chunked_encoding \
                or transport.is_closing():
            return True  # the response's own loop notices the disconnect
        if transport.get_write_buffer_size() > BACKLOG_BYTES:
            return False
        transport.write(frame.sse_chunk)
        return True


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default WebSocket protocol, with a :class:`Wire` in the scope."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        # The app's task is created, not yet run: it sees the extension.
        self.scope["extensions"][EXTENSION] = _SocketWire(self)  # type: ignore[index]


class HttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with a :class:`Wire` in each request's scope."""

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope and self.scope["type"] == "http":
            extensions = self.scope.setdefault("extensions", {})  # type: ignore[typeddict-item]
            extensions[EXTENSION] = _ChunkWire(cycle)


def protocols() -> dict[str, type[asyncio.Protocol]]:
    """The ``http`` and ``ws`` arguments of ``uvicorn.run``."""
    return {"http": HttpProtocol, "ws": WebSocketProtocol}
