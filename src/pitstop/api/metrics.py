"""GET /metrics: Prometheus text exposition."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from pitstop.api.deps import RT
from pitstop.api.openapi import api_router

router = api_router(tags=["metrics"])


@router.get("/metrics", response_class=Response, responses={200: {
    "description": "Prometheus text exposition format",
    "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
async def metrics(rt: RT) -> Response:
    """No token needed: counts by kind and status only, no names."""
    return Response(rt.metrics.render(), media_type=CONTENT_TYPE_LATEST)
