"""A WebSocket refused on a server without the ASGI "WebSocket Denial Response" extension:
accepted, then closed with 4000 + the problem's status and its detail as the reason, cut to
the 123 bytes a close frame holds."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection

from pitstop.api.problems import problem, refuse_websocket


async def test_without_the_denial_extension_the_close_code_carries_the_status():
    scope: dict[str, Any] = {"type": "websocket", "path": "/v1/stream", "query_string": b"",
                             "headers": [], "extensions": {}}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    detail = "after / Last-Event-ID must be an event id (got 'é" + "é" * 100 + "')"
    response = problem(HTTPConnection(scope), 422, "invalid-input", "Invalid input", detail)
    await refuse_websocket(scope, receive, send, response)
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    assert sent[1]["code"] == 4422
    reason = sent[1]["reason"]
    assert len(reason.encode()) <= 123 and detail.startswith(reason)
    assert reason.startswith("after / Last-Event-ID must be an event id")
