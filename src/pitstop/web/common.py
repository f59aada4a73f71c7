"""What every console page shares: the session, rendering, and checking an action."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pitstop.api import session as sessions
from pitstop.api.deps import runtime_of
from pitstop.api.session import WebSession
from pitstop.errors import Unauthorized
from pitstop.services.auth import authorize
from pitstop.web.templating import templates


def current_session(request: Request) -> WebSession | None:
    return sessions.read_session(request, runtime_of(request))


def render(request: Request, session: WebSession, name: str, main: str,
           context: dict[str, Any], partial: bool, title: str) -> Response:
    """A console page, or only its live part (``partial``) for the page's script."""
    context = {**context, "session": session, "section": name.split("/")[0],
               "title": title, "main_template": main, "partial_url": request.url.path}
    template = main if partial else "console/page.html"
    return templates.TemplateResponse(request, template, context,
                                      headers={"Cache-Control": "no-store"})


def acting(request: Request, csrf: str | None, permission: str) -> WebSession:
    """The session behind an action, with its CSRF token checked and the role allowed."""
    session = current_session(request)
    if session is None:
        raise Unauthorized("your console session ended; sign in again")
    sessions.check_csrf(session, csrf)
    authorize(session.principal, permission)
    return session
