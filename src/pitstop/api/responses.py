"""JSON responses encoded once with orjson (UTC times end in Z)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pitstop.encoding import dumps

__all__ = ["dumps", "json_response"]


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type=media_type)
