"""Typed errors, built from the server's problem+json responses."""

from __future__ import annotations

from typing import Any

import httpx


class PitstopError(Exception):
    """Any failed call. ``detail`` is the server's explanation of what to change."""

    def __init__(self, detail: str, *, status: int | None = None,
                 body: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.body = body or {}

    @property
    def type(self) -> str | None:
        return self.body.get("type")


class BadRequest(PitstopError):
    """400/422: the request itself is wrong; ``errors`` names the fields."""

    @property
    def errors(self) -> list[dict[str, str]]:
        return list(self.body.get("errors", []))


class Unauthorized(PitstopError):
    pass


class Forbidden(PitstopError):
    pass


class NotFound(PitstopError):
    pass


class Conflict(PitstopError):
    pass


class RateLimited(PitstopError):
    def __init__(self, detail: str, *, retry_after: float | None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after = retry_after


class InMaintenance(PitstopError):
    """New work refused: ``causes`` says why, ``retry_after`` (seconds) when to retry."""

    def __init__(self, detail: str, *, retry_after: float | None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after = retry_after

    @property
    def causes(self) -> list[dict[str, Any]]:
        return list(self.body.get("causes", []))

    @property
    def target(self) -> str | None:
        return self.body.get("target")


class MaintenanceSoon(InMaintenance):
    """New work refused because it would still run when a gating window starts;
    ``occurrence`` names it. Acquire with ``force=True`` to start it anyway."""

    @property
    def occurrence(self) -> dict[str, Any]:
        return dict(self.body.get("occurrence") or {})


class ServerError(PitstopError):
    pass


class Unavailable(ServerError):
    """503 ``database-unavailable``: the server is up but cannot reach its database; the
    call can be retried after ``retry_after`` seconds (reads from memory still answer)."""

    def __init__(self, detail: str, *, retry_after: float | None, **kw: Any) -> None:
        super().__init__(detail, **kw)
        self.retry_after = retry_after


class Unreachable(PitstopError):
    """The server could not be reached (connection refused, timeout, DNS)."""


_BY_STATUS: dict[int, type[PitstopError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    422: BadRequest,
}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> PitstopError:
    try:
        body = response.json()
        if not isinstance(body, dict):
            body = {}
    except ValueError:
        body = {}
    detail = str(body.get("detail") or body.get("message") or response.reason_phrase
                 or f"HTTP {response.status_code}")
    status = response.status_code
    # pitstop 0.1 servers spelled the last two types with "_": both spellings are read.
    kind = str(body.get("type", "")).replace("_", "-")
    if status == 503 and kind.endswith(("/maintenance", "/maintenance-soon")):
        cls = MaintenanceSoon if kind.endswith("/maintenance-soon") else InMaintenance
        return cls(detail, retry_after=_retry_after(response), status=status, body=body)
    if status == 503 and kind.endswith("/database-unavailable"):
        return Unavailable(detail, retry_after=_retry_after(response), status=status, body=body)
    if status == 429:
        return RateLimited(detail, retry_after=_retry_after(response), status=status, body=body)
    cls = _BY_STATUS.get(status, ServerError if status >= 500 else PitstopError)
    return cls(detail, status=status, body=body)
