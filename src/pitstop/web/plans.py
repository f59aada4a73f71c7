"""The console's windows pages: the list, the create/edit form with a preview, and one
window with its occurrences and their actions. The pages read; the page's script acts
through the documented API (/v1/windows, /v1/recurrence/preview)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import runtime_of
from pitstop.api.params import WindowId
from pitstop.services import occurrences, window_views, windows
from pitstop.services.snapshot import WindowRecord
from pitstop.web.common import Session, render

router = APIRouter(prefix="/console/windows", include_in_schema=False)
RECENT = timedelta(days=30)


def _summary(rt: Any, record: WindowRecord) -> dict[str, Any]:
    data = window_views.window_json(record, upcoming=windows.upcoming_of(rt, record.id)[:1])
    data["next"] = data["occurrences"][0] if data["occurrences"] else None
    return data


@router.get("")
async def windows_page(request: Request, session: Session, partial: bool = False) -> Response:
    rt = runtime_of(request)
    items = [_summary(rt, w) for w in windows.list_windows(rt)]
    return render(request, session, "windows", "console/_windows.html", {"windows": items},
                  partial, "Windows")


@router.get("/new")
async def new_window(request: Request, session: Session) -> Response:
    return render(request, session, "windows/form", "console/_window_form.html",
                  {"window": None, "live": False}, False, "New window")


@router.get("/{window_id}/edit")
async def edit_window(request: Request, session: Session, window_id: WindowId) -> Response:
    record = windows.get_window(runtime_of(request), window_id)
    return render(request, session, "windows/form", "console/_window_form.html",
                  {"window": window_views.window_json(record), "live": False}, False,
                  f"Edit {record.title}")


@router.get("/{window_id}")
async def window_page(request: Request, session: Session, window_id: WindowId,
                      partial: bool = False) -> Response:
    rt = runtime_of(request)
    record = windows.get_window(rt, window_id)
    stored, _ = await occurrences.window_occurrences(
        rt, window_id, start_from=clock.now() - RECENT, start_before=None)
    occs = [window_views.occurrence_json(o, record) for o in stored]
    return render(request, session, "windows/one", "console/_window.html",
                  {"window": window_views.window_json(record), "occurrences": occs},
                  partial, record.title)
