"""Dependencies, as aliases routes can annotate parameters with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from pitstop.api.session import check_csrf, read_session
from pitstop.errors import Forbidden
from pitstop.services.auth import authenticate, authorize
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Principal


def runtime_of(request: Request) -> Runtime:
    return request.app.state.rt  # type: ignore[no-any-return]


def public_base(request: Request) -> str:
    """Where public links point (feeds, the Statuspage-compatible API, mails):
    PITSTOP_PUBLIC_URL, else the address this request came to. No trailing slash."""
    return runtime_of(request).settings.public_url or str(request.base_url).rstrip("/")


async def get_runtime(request: Request) -> Runtime:
    # async on purpose: FastAPI runs plain-def dependencies in a thread pool.
    return runtime_of(request)


def credentials(request: Request) -> tuple[str | None, bool]:
    """The presented secret, and whether it came as ``x-admin-code``."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        return (value.strip() or None) if scheme.lower() == "bearer" else None, False
    code = request.headers.get("x-admin-code")
    return (code or None), code is not None


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def principal_for(request: Request, permission: str) -> Principal:
    rt = runtime_of(request)
    secret, admin_code = credentials(request)
    if secret is None and not admin_code:
        session = read_session(request, rt)
        if session is not None:  # the console speaks this API with its session cookie
            if request.method not in SAFE_METHODS:
                check_csrf(session, request.headers.get("x-csrf-token"))
            return authorize(session.principal, permission)
    client = request.client
    principal = await authenticate(rt, secret, client.host if client else "unknown")
    if admin_code and principal.role != "admin":  # a valid token: not a failed attempt
        raise Forbidden(f"x-admin-code must be an admin token; token {principal.name!r} has "
                        f"role {principal.role}: send it as 'Authorization: Bearer <token>'",
                        role=principal.role)
    return authorize(principal, permission)


def require(permission: str):  # type: ignore[no-untyped-def]
    async def dependency(request: Request) -> Principal:
        return await principal_for(request, permission)

    dependency.__name__ = f"require_{permission}"
    return dependency


RT = Annotated[Runtime, Depends(get_runtime)]
Reader = Annotated[Principal, Depends(require("read"))]
Auditor = Annotated[Principal, Depends(require("audit"))]
Operator = Annotated[Principal, Depends(require("operate"))]
Worker = Annotated[Principal, Depends(require("lease"))]
Reporter = Annotated[Principal, Depends(require("report"))]
Admin = Annotated[Principal, Depends(require("admin"))]
