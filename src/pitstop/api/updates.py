"""Updates during a maintenance: on a window's occurrence, or on a target's switch
maintenance."""

from __future__ import annotations

from starlette.responses import Response

from pitstop.api.deps import RT, Operator, Reader
from pitstop.api.models.updates import MaintenanceUpdate, MaintenanceUpdateList
from pitstop.api.openapi import api_router
from pitstop.api.params import OccurrenceId, WindowId
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import UpdateBody
from pitstop.api.targets import TargetId
from pitstop.services import updates

router = api_router(tags=["updates"], responses=problems(401, 403, 429))
OCCURRENCE = "/v1/windows/{window_id}/occurrences/{occurrence_id}/updates"
TARGET = "/v1/targets/{target}/maintenance/updates"


@router.post(OCCURRENCE, status_code=201, response_model=MaintenanceUpdate,
             responses=problems(404, 409))
async def post_occurrence_update(rt: RT, who: Operator, window_id: WindowId,
                                 occurrence_id: OccurrenceId, body: UpdateBody) -> Response:
    """Tell the public how an upcoming or ongoing occurrence is going (409 once it is
    over). Shown on the status page when the window is public; notified as
    `maintenance_update`."""
    record = await updates.post_occurrence_update(
        rt=rt, window_id=window_id, occurrence_id=occurrence_id, body=body.body,
        status=body.status, actor=who.name)
    return json_response(record.to_json(), 201)


@router.get(OCCURRENCE, response_model=MaintenanceUpdateList, responses=problems(404))
async def list_occurrence_updates(rt: RT, _: Reader, window_id: WindowId,
                                  occurrence_id: OccurrenceId) -> Response:
    """The occurrence's updates, newest first."""
    items = await updates.list_occurrence_updates(rt=rt, window_id=window_id,
                                                  occurrence_id=occurrence_id)
    return json_response({"items": [u.to_json() for u in items]})


@router.post(TARGET, status_code=201, response_model=MaintenanceUpdate,
             responses=problems(404, 409))
async def post_target_update(rt: RT, who: Operator, target: TargetId, body: UpdateBody
                             ) -> Response:
    """Tell the public how the target's switch maintenance is going (409 when its switch
    is off)."""
    record = await updates.post_target_update(rt=rt, target=target, body=body.body,
                                              status=body.status, actor=who.name)
    return json_response(record.to_json(), 201)


@router.get(TARGET, response_model=MaintenanceUpdateList, responses=problems(404))
async def list_target_updates(rt: RT, _: Reader, target: TargetId) -> Response:
    """The updates of the target's current switch maintenance, newest first (empty when
    its switch is off)."""
    items = await updates.list_target_updates(rt=rt, target=target)
    return json_response({"items": [u.to_json() for u in items]})
