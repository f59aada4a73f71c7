"""/v1/history: the audit history, newest first, paged by cursor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from pitstop.api.deps import RT, Auditor
from pitstop.api.responses import json_response
from pitstop.api.schemas import Instant
from pitstop.services import history
from pitstop.services.targets import check_target_id
from pitstop.storage.audit import HistoryFilter

router = APIRouter(prefix="/v1/history", tags=["history"])


@router.get("")
async def list_history(
    rt: RT,
    _: Auditor,
    target: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
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
