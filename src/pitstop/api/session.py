"""The console's session: a signed, HttpOnly, SameSite=Strict cookie naming the token (by
its hash, never the secret), and a CSRF token bound to it.

A session lasts as long as its token: revoking the token ends every session made with it.
Before login, a signed CSRF cookie guards the login form (double submit).

It lives with the API because the API accepts the session too (the console's scripts call
the API with the cookie, see ``api.deps``); the pages import it from here.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from pitstop.errors import Forbidden
from pitstop.services.auth import authenticate
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Principal
from pitstop.services.tokens import hash_token

COOKIE = "pitstop_session"
LOGIN_COOKIE = "pitstop_login"
MAX_AGE_S = 12 * 3600
PEOPLE = ("admin", "operator", "viewer")  # roles that may use the console


@dataclass(frozen=True, slots=True)
class WebSession:
    principal: Principal
    csrf: str

    def can(self, permission: str) -> bool:
        from pitstop.services.auth import PERMISSIONS

        return self.principal.role in PERMISSIONS[permission]


def _signer(rt: Runtime, purpose: str) -> URLSafeTimedSerializer:
    assert rt.session_key, "the session key is loaded at start"
    return URLSafeTimedSerializer(rt.session_key, salt=f"pitstop-{purpose}")


def read_session(request: Request, rt: Runtime) -> WebSession | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _signer(rt, "session").loads(raw, max_age=MAX_AGE_S)
    except BadSignature:
        return None
    principal = rt.state.tokens.get(data.get("h", ""))
    if principal is None or principal.role not in PEOPLE:
        return None
    return WebSession(principal, str(data.get("c", "")))


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int
            ) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=_https(request), path="/")


def _https(request: Request) -> bool:
    """Behind a proxy that ends TLS, the proxy's header says so (marking a cookie Secure
    when unsure costs nothing)."""
    return request.url.scheme == "https" or \
        request.headers.get("x-forwarded-proto", "").lower() == "https"


async def log_in(request: Request, response: Response, rt: Runtime, secret: str) -> Principal:
    """Check the token (failures are rate-limited) and start a session on ``response``."""
    address = request.client.host if request.client else "unknown"
    principal = await authenticate(rt, secret.strip() or None, address)
    if principal.role not in PEOPLE:
        raise Forbidden(f"the console is for people: sign in with an admin, operator or "
                        f"viewer token (this one is a {principal.role} token)")
    value = _signer(rt, "session").dumps({"h": hash_token(secret.strip()),
                                          "c": secrets.token_urlsafe(24)})
    _cookie(response, request, COOKIE, value, MAX_AGE_S)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return principal


def log_out(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def new_login_csrf(rt: Runtime) -> tuple[str, str]:
    """The login form's CSRF token, and its signed copy for the cookie the POST must match."""
    token = secrets.token_urlsafe(24)
    return token, _signer(rt, "login").dumps(token)


def set_login_cookie(request: Request, response: Response, signed: str) -> None:
    _cookie(response, request, LOGIN_COOKIE, signed, 3600)


def check_login_csrf(request: Request, rt: Runtime, supplied: str) -> None:
    try:
        expected = _signer(rt, "login").loads(request.cookies.get(LOGIN_COOKIE, ""),
                                              max_age=3600)
    except BadSignature:
        expected = None
    if not expected or not hmac.compare_digest(str(expected), supplied):
        raise Forbidden("the login form expired; reload the page and sign in again")


def check_csrf(session: WebSession, supplied: str | None) -> None:
    if not supplied or not hmac.compare_digest(session.csrf, supplied):
        raise Forbidden("this request did not come from the console's own page; reload it")
