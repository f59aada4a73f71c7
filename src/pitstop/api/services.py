"""/v1/services: realtime status from monitors, and the status each service displays."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from pitstop.api.deps import RT, Reader, Reporter
from pitstop.api.responses import json_response
from pitstop.api.schemas import ServiceStatusBody
from pitstop.domain.windows import Realtime
from pitstop.services import service_status

router = APIRouter(prefix="/v1/services", tags=["services"])


@router.get("")
async def list_services(rt: RT, _: Reader) -> Response:
    return json_response({"items": [v.to_json() for v in service_status.list_services(rt.state)]})


@router.get("/{name}")
async def get_service(rt: RT, _: Reader, name: str) -> Response:
    return json_response(service_status.describe_service(rt.state, name).to_json())


@router.put("/{name}/status")
async def report_status(rt: RT, who: Reporter, name: str, body: ServiceStatusBody) -> Response:
    """Record the realtime status a monitor sees; the service is created on its first
    report. The answer has both the realtime and the displayed status."""
    view = await service_status.report_status(rt=rt, name=name, status=Realtime(body.status),
                                              message=body.message, actor=who.name)
    return json_response(view.to_json())
