"""Input no route may see, refused before any route runs: a request body over the size limit
(413), and a NUL character (or a lone UTF-16 surrogate) in the path, the query, or a JSON or
form body (422 naming the field).

PostgreSQL cannot store NUL in text and its driver cannot encode a lone surrogate, and neither
is ever meant in a name, a reason or a filter. Checking here covers every route alike — the
routes FastAPI validates, the Direct routes that read their own input, the console's forms
and the deploy API — so none of them can reach the database with one. The body check costs
one byte search unless the body has an escaped NUL or surrogate in it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import QueryParams
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pitstop.api.problems import problem, refuse_websocket

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NUL_MESSAGE = "must not contain a NUL character (\\u0000)"
SURROGATE_MESSAGE = "must be valid Unicode text (it has an unpaired surrogate)"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return NUL_MESSAGE
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE_MESSAGE
    return None


class InputGuard:
    """Pure ASGI middleware: the polled routes pay for one byte search per body, no more."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        bad = _in_path(scope) or _in_query(scope)
        if bad is None and scope["type"] == "http" and scope["method"] in BODY_METHODS:
            body, receive = await self._read_body(scope, receive)
            if body is None:
                await self._too_large(scope, receive, send)
                return
            bad = _in_body(scope, body)
        if bad is None:
            await self.app(scope, receive, send)
            return
        field, message = bad
        response = problem(HTTPConnection(scope), 422, "invalid-input", "Invalid input",
                           f"{field}: {message}", errors=[{"field": field, "message": message}])
        if scope["type"] == "websocket":  # refused as the stream refuses a bad ?after=
            await refuse_websocket(scope, receive, send, response)
        else:
            await response(scope, receive, send)

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[bytes | None, Receive]:
        """The whole body (None when over the limit), and a receive that replays it."""
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            return None, receive
        chunks, size, ended = [], 0, False
        while not ended:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it
                return b"", _replay([message], receive)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None, receive
            chunks.append(chunk)
            ended = not message.get("more_body", False)
        body = b"".join(chunks)
        return body, _replay([{"type": "http.request", "body": body, "more_body": False}],
                             receive)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.max_body_bytes
        message = f"must be at most {limit} bytes (the server's PITSTOP_MAX_BODY_BYTES)"
        response = problem(Request(scope), 413, "too-large", "Request body too large",
                           f"the request body is too large: it {message}",
                           headers={"Connection": "close"},
                           errors=[{"field": "body", "message": message}])
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


def _in_path(scope: Scope) -> tuple[str, str] | None:
    """The path parameter (by its name in the OpenAPI document) that cannot be text."""
    message = text_problem(scope["path"])
    if message is None:
        return None
    for pattern in _path_patterns(scope.get("app")):
        match = pattern.match(scope["path"])
        if match:
            name = next((k for k, v in match.groupdict().items() if text_problem(v)), "path")
            return name, message
    return "path", message


def _path_patterns(app: Any) -> list[re.Pattern[str]]:
    """The documented path templates as regular expressions (built once, on the first bad
    path: the OpenAPI document is the one stable list of routes and their parameter names)."""
    if app is None or not hasattr(app, "openapi"):
        return []
    cached = getattr(app.state, "path_patterns", None)
    if cached is None:
        cached = [re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(t))
                             + "$") for t in app.openapi()["paths"]]
        app.state.path_patterns = cached
    return cached


def _in_query(scope: Scope) -> tuple[str, str] | None:
    raw = scope.get("query_string", b"")
    if b"%00" not in raw and b"\x00" not in raw:
        return None  # percent-decoding yields a NUL from %00 only; UTF-8 is decoded safely
    for key, value in QueryParams(raw).multi_items():
        for text in (key, value):
            message = text_problem(text)
            if message is not None:
                return key.replace("\x00", "\\u0000"), message
    return None


def _in_body(scope: Scope, body: bytes) -> tuple[str, str] | None:
    content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
    if content_type.startswith(b"application/x-www-form-urlencoded"):
        if b"%00" not in body and b"\x00" not in body:
            return None
        text = body.decode("utf-8", "replace")
        return next(((key, NUL_MESSAGE) for key, value in parse_qsl(text, keep_blank_values=True)
                     if "\x00" in key + value), None)
    lowered = body.lower()
    if b"\\u0000" not in lowered and b"\\ud" not in lowered:
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route's own parser says what is wrong with it
    return _in_json(document)


def _in_json(document: Any) -> tuple[str, str] | None:
    """The first string (value or key) in a JSON document that cannot be text, by its path
    (``affects.0.selector``; ``body`` for the document itself)."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            message = text_problem(value)
            if message is not None:
                return ".".join(path) or "body", message
        elif isinstance(value, dict):
            for key, item in value.items():
                message = text_problem(key)
                if message is not None:
                    return ".".join(path) or "body", f"a key {message}"
                stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), item) for i, item in enumerate(value))
    return None
