"""JSON responses encoded once with orjson (UTC times end in Z)."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> bytes:
    return orjson.dumps(data, option=_OPTIONS)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None,
    media_type: str = "application/json",
) -> Response:
    return Response(dumps(data), status_code=status, headers=headers, media_type=media_type)
