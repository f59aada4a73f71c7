"""/v1/services: realtime status from monitors, and the status each service displays."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.responses import Response

from pitstop.api.deps import RT, Reader, Reporter
from pitstop.api.models.services import Service, ServiceList
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import ServiceStatusBody
from pitstop.domain.targets import NAME_PATTERN
from pitstop.domain.windows import Realtime
from pitstop.services import service_status

router = api_router(prefix="/v1/services", tags=["services"], responses=problems(401, 403, 429))
# Documents what service_status checks (with a message saying what a name looks like).
ServiceName = Annotated[str, Path(description="1-63 of a-z 0-9 - _ .",
                                  json_schema_extra={"pattern": NAME_PATTERN})]


@router.get("", response_model=ServiceList)
async def list_services(rt: RT, _: Reader) -> Response:
    return json_response({"items": [v.to_json() for v in service_status.list_services(rt.state)]})


@router.get("/{name}", response_model=Service, responses=problems(404))
async def get_service(rt: RT, _: Reader, name: ServiceName) -> Response:
    return json_response(service_status.describe_service(rt.state, name).to_json())


@router.put("/{name}/status", response_model=Service)
async def report_status(rt: RT, who: Reporter, name: ServiceName,
                        body: ServiceStatusBody) -> Response:
    """Record the realtime status a monitor sees; the service is created on its first
    report. The answer has both the realtime and the displayed status."""
    view = await service_status.report_status(rt=rt, name=name, status=Realtime(body.status),
                                              message=body.message, actor=who.name)
    return json_response(view.to_json())
