"""/v1/history: the audit history, newest first, paged by cursor."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from pitstop.api.deps import RT, Auditor
from pitstop.api.models.history import HistoryPage
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import TARGET_PATTERN, TextInstant
from pitstop.services import history
from pitstop.services.targets import check_target_id
from pitstop.storage.audit import HistoryFilter

router = api_router(prefix="/v1/history", tags=["history"], responses=problems(401, 403, 429))
# A target id, or window:<id>
HISTORY_TARGET = TARGET_PATTERN.removesuffix(")$") + "|window:[0-9]+)$"


@router.get("", response_model=HistoryPage)
async def list_history(
    rt: RT,
    _: Auditor,
    target: Annotated[str | None, Query(pattern=HISTORY_TARGET)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    since: TextInstant | None = None,
    until: TextInstant | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,64}$",
                                        description="next_cursor of the previous page")] = None,
) -> Response:
    """``target`` is a target id or ``window:<id>`` (a window and its occurrences)."""
    where = HistoryFilter(target=_history_target(target) if target else None, action=action,
                          actor=actor, since=since, until=until)
    page = await history.page_history(rt=rt, where=where, cursor=cursor, limit=limit)
    return json_response(page)


def _history_target(raw: str) -> str:
    kind, _, rest = raw.partition(":")
    if kind == "window" and rest.isascii() and rest.isdigit():
        return f"window:{int(rest)}"
    return check_target_id(raw)
