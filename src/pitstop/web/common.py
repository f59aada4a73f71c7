"""What every console page shares: the session (a dependency that sends a visitor without
one to the login page), rendering, and checking an action."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from pitstop.api import session as sessions
from pitstop.api.deps import runtime_of
from pitstop.api.session import WebSession
from pitstop.errors import Unauthorized
from pitstop.services.auth import authorize
from pitstop.web.templating import templates


def current_session(request: Request) -> WebSession | None:
    return sessions.read_session(request, runtime_of(request))


class SignInFirst(Exception):
    """A console page asked for without a session: answered with the login page."""


def signed_in(permission: str | None = None):  # type: ignore[no-untyped-def]
    """The dependency of a console page: its session (no session: to the login page),
    whose role must have ``permission`` when one is given (else 403)."""
    async def dependency(request: Request) -> WebSession:
        session = current_session(request)
        if session is None:
            raise SignInFirst
        if permission is not None:
            authorize(session.principal, permission)
        return session

    return dependency


Session = Annotated[WebSession, Depends(signed_in())]
AdminSession = Annotated[WebSession, Depends(signed_in("admin"))]


def install(app: FastAPI) -> None:
    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/console/login", 303)

    app.add_exception_handler(SignInFirst, to_login)


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
