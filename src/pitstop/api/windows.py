"""/v1/windows, their occurrences, and /v1/recurrence/preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import RT, Operator, Reader
from pitstop.api.models.windows import (
    Occurrence,
    OccurrenceList,
    RecurrencePreview,
    Window,
    WindowList,
)
from pitstop.api.openapi import api_router
from pitstop.api.params import OccurrenceId, WindowId
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import (
    TARGET_PATTERN,
    OccurrencePatch,
    PreviewBody,
    TextInstant,
    WindowBody,
    WindowPatch,
)
from pitstop.errors import InvalidInput
from pitstop.services import occurrences, window_views, windows
from pitstop.services.records import local_text
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import WindowRecord
from pitstop.services.targets import check_target_id

router = api_router(tags=["windows"], responses=problems(401, 403, 429))
OccStatus = Literal["SCHEDULED", "READY", "ONGOING", "COMPLETED", "CANCELLED"]
From = Annotated[TextInstant | None, Query(alias="from",
                                           description="occurrences ending after this")]
To = Annotated[TextInstant | None, Query(alias="to",
                                         description="occurrences starting before this")]
Limit = Annotated[int, Query(ge=1, le=1000)]
TargetFilter = Annotated[str | None, Query(pattern=TARGET_PATTERN, max_length=80,
                                           description="only those affecting this target")]


def _full(rt: Runtime, record: WindowRecord) -> dict[str, Any]:
    """A window with its live occurrences."""
    return window_views.window_json(record, upcoming=windows.upcoming_of(rt, record.id))


@router.post("/v1/windows", status_code=201, response_model=Window)
async def create_window(rt: RT, who: Operator, body: WindowBody) -> Response:
    record = await windows.create_window(rt=rt, fields=body.fields(), actor=who.name)
    return json_response(_full(rt, record), 201,
                         headers={"Location": f"/v1/windows/{record.id}"})


@router.get("/v1/windows", response_model=WindowList)
async def list_windows(rt: RT, _: Reader, status: Literal["ACTIVE", "PAUSED"] | None = None,
                       target: TargetFilter = None) -> Response:
    wanted = check_target_id(target) if target else None
    items = windows.list_windows(rt, status=status, target=wanted)
    return json_response({"items": [
        window_views.window_json(w, upcoming=windows.upcoming_of(rt, w.id)[:1]) for w in items]})


@router.get("/v1/windows/{window_id}", response_model=Window, responses=problems(404))
async def get_window(rt: RT, _: Reader, window_id: WindowId) -> Response:
    record = windows.get_window(rt, window_id)
    return json_response(_full(rt, record))


@router.patch("/v1/windows/{window_id}", response_model=Window,
              responses=problems(404, 409))
async def update_window(rt: RT, who: Operator, window_id: WindowId, body: WindowPatch) -> Response:
    try:
        changes = body.changes()
    except ValueError as exc:
        raise InvalidInput(str(exc), field=str(exc).split(" ", 1)[0]) from None
    record = await windows.update_window(rt=rt, window_id=window_id, changes=changes,
                                         actor=who.name)
    return json_response(_full(rt, record))


@router.delete("/v1/windows/{window_id}", status_code=204, responses=problems(404))
async def delete_window(rt: RT, who: Operator, window_id: WindowId) -> Response:
    await windows.delete_window(rt=rt, window_id=window_id, actor=who.name)
    return Response(status_code=204)


@router.get("/v1/windows/{window_id}/occurrences", response_model=OccurrenceList,
            responses=problems(404))
async def window_occurrences(
    rt: RT, _: Reader, window_id: WindowId, start_from: From = None, start_before: To = None,
    status: OccStatus | None = None, projected: bool = False, limit: Limit = 500,
) -> Response:
    """Stored occurrences overlapping the range; with ``projected=true`` and a ``to``, also
    those the rule will generate beyond the horizon (``id`` null, ``projected`` true)."""
    record = windows.get_window(rt, window_id)
    stored, extra = await occurrences.window_occurrences(
        rt, window_id, start_from=start_from, start_before=start_before, status=status,
        include_projected=projected, limit=limit)
    items = [window_views.occurrence_json(o, record) for o in [*stored, *extra]]
    return json_response({"items": items})


@router.patch("/v1/windows/{window_id}/occurrences/{occurrence_id}", response_model=Occurrence,
              responses=problems(404, 409))
async def change_occurrence(rt: RT, who: Operator, window_id: WindowId, occurrence_id: OccurrenceId,
                            body: OccurrencePatch) -> Response:
    """Complete or cancel (``status``), or move (``start`` and ``end``), one occurrence."""
    record = await occurrences.change_occurrence(
        rt=rt, window_id=window_id, occurrence_id=occurrence_id, actor=who.name,
        status=body.status, start=body.start, end=body.end)
    return json_response(window_views.occurrence_json(record, windows.get_window(rt, window_id)))


@router.delete("/v1/windows/{window_id}/occurrences/{occurrence_id}", status_code=204,
               responses=problems(404, 409))
async def delete_occurrence(rt: RT, who: Operator, window_id: WindowId,
                            occurrence_id: OccurrenceId) -> Response:
    await occurrences.delete_occurrence(rt=rt, window_id=window_id, occurrence_id=occurrence_id,
                                    actor=who.name)
    return Response(status_code=204)


@router.get("/v1/occurrences", response_model=OccurrenceList)
async def all_occurrences(
    rt: RT, _: Reader, start_from: From = None, start_before: To = None,
    status: OccStatus | None = None, target: TargetFilter = None, limit: Limit = 500,
) -> Response:
    """Occurrences of every window, in start order; ``target`` keeps those affecting it."""
    wanted = check_target_id(target) if target else None
    items = []
    for occ in await occurrences.all_occurrences(rt, start_from=start_from,
                                             start_before=start_before, status=status,
                                             limit=limit):
        window = rt.state.windows.get(occ.times.window_id)
        if window is None or (wanted is not None and window.rules.impact_on(
                wanted, rt.state.scope_labels(wanted)) is None):
            continue
        items.append(window_views.occurrence_json(occ, window))
    return json_response({"items": items})


@router.post("/v1/recurrence/preview", response_model=RecurrencePreview)
async def preview(_: Reader, body: PreviewBody) -> Response:
    """The next occurrences of a rule, computed without saving anything."""
    now: datetime = clock.now()
    series, occs = windows.preview(body.model_dump(), body.count, now)
    tz = series.tz
    return json_response({
        "start": local_text(series.start_local), "timezone": body.timezone,
        "rrule": series.rule, "recurring": series.recurring,
        "occurrences": [{"recurrence_id": o.recurrence_id, "start": o.start, "end": o.end,
                         "start_local": o.start.astimezone(tz).isoformat(),
                         "end_local": o.end.astimezone(tz).isoformat()} for o in occs],
    })
