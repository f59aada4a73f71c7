"""One request as the clients build it, and how an answer is read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from pitstop.sdk.errors import error_from_response


class _Request:
    __slots__ = ("content", "headers", "json", "method", "params", "path")

    def __init__(self, method: str, path: str, json: Any = None,
                 params: dict[str, Any] | None = None, *, content: bytes | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.method, self.path, self.json = method, path, json
        self.params = {k: v for k, v in (params or {}).items() if v is not None}
        self.content, self.headers = content, headers


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _parse(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise error_from_response(response)
    if response.status_code == 204 or not response.content:
        return None
    return response.json()


def _timeout_for(base: httpx.Timeout, request: _Request) -> httpx.Timeout | None:
    """A request that asks the server to wait gets that much more time to answer."""
    body = request.json if isinstance(request.json, dict) else {}
    wait_ms = body.get("wait_ms") or request.params.get("wait_ms")
    if not wait_ms:
        return None
    return httpx.Timeout((base.read or 30.0) + wait_ms / 1000)
