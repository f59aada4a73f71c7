"""The operator console (``/console``): sign in with a token, then see and act.

Pages are server-rendered; each action is a small JSON POST from the page's script, checked
against the session's CSRF token and the role, and answered with problem+json on error so
the page shows the message next to the control.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from pitstop.api import session as sessions
from pitstop.api.deps import runtime_of
from pitstop.api.params import AuditCursor
from pitstop.domain.targets import PLATFORM
from pitstop.errors import Forbidden, InvalidToken, PitstopError, RateLimited, Unauthorized
from pitstop.services import history
from pitstop.services.runtime import Runtime
from pitstop.services.targets import describe_target
from pitstop.storage.audit import HistoryFilter
from pitstop.web.common import Session, current_session, render
from pitstop.web.templating import templates

router = APIRouter(prefix="/console", include_in_schema=False)
HISTORY_PAGE = 20
KEEPALIVE_S = 15.0
COALESCE_S = 0.2


@router.get("/login")
async def login_form(request: Request) -> Response:
    if current_session(request) is not None:
        return RedirectResponse("/console", 303)
    return _login_page(request, None, 200)


def _login_page(request: Request, error: str | None, status: int) -> Response:
    token, signed = sessions.new_login_csrf(runtime_of(request))
    response = templates.TemplateResponse(request, "console/login.html",
                                          {"csrf": token, "error": error}, status_code=status)
    sessions.set_login_cookie(request, response, signed)
    return response


@router.post("/login")
async def login(request: Request, token: Annotated[str, Form()] = "",
                csrf: Annotated[str, Form()] = "") -> Response:
    rt = runtime_of(request)
    response = RedirectResponse("/console", 303)
    try:
        sessions.check_login_csrf(request, rt, csrf)
        await sessions.log_in(request, response, rt, token)
    except PitstopError as exc:
        status = 429 if isinstance(exc, RateLimited) else 403 if isinstance(
            exc, Forbidden) else 401
        message = ("invalid or revoked token: check it, or create one with `pitstop token "
                   "create`") if isinstance(exc, InvalidToken) else exc.detail
        page = _login_page(request, message, status)
        if isinstance(exc, RateLimited):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return response


@router.post("/logout")
async def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    session = current_session(request)
    response = RedirectResponse("/console/login", 303)
    if session is not None:
        sessions.check_csrf(session, csrf)
        sessions.log_out(response)
    return response


@router.get("")
async def maintenance_page(
    request: Request, session: Session, before: AuditCursor = None,
    after: AuditCursor = None, partial: bool = False,
) -> Response:
    rt = runtime_of(request)
    view = describe_target(rt.state, PLATFORM)
    cause = next((c for c in view.state.causes), None)
    page = await history.browse_history(rt=rt, where=HistoryFilter(target=PLATFORM),
                                        before_id=before, after_id=after,
                                        limit=HISTORY_PAGE)
    switch_on = any(c.kind == "switch" and c.source == PLATFORM for c in view.state.causes)
    context = {"view": {"platform": view.to_json() | {"drain": view.drain.to_json()},
                        "cause": cause, "switch_on": switch_on, "history": page}}
    return render(request, session, "maintenance", "console/_maintenance.html", context,
                  partial, "Maintenance")


async def _changes(rt: Runtime) -> AsyncIterator[bytes]:
    """``event: change`` after any change to what this replica knows (leases included),
    at most one per ``COALESCE_S``; keepalives in between."""
    yield b"retry: 3000\n\n"
    seen = rt.state.generation
    while True:
        changed = await rt.state.wait_for(
            lambda seen=seen: rt.state.generation != seen, KEEPALIVE_S)
        if changed:  # what changes while we wait out COALESCE_S is signalled after it
            seen = rt.state.generation
        yield b"event: change\ndata: {}\n\n" if changed else b": keepalive\n\n"
        if changed:
            await asyncio.sleep(COALESCE_S)


@router.get("/events")
async def events(request: Request) -> StreamingResponse:
    if current_session(request) is None:
        raise Unauthorized("sign in to the console first")
    return StreamingResponse(_changes(runtime_of(request)), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
