"""The one place where errors become RFC 9457 problem+json responses."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from pitstop import errors
from pitstop.api.responses import json_response
from pitstop.storage.outage import log_unavailable

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

# Exception class -> (status, stable type slug, title). Order matters: subclasses first.
MAPPING: list[tuple[type[errors.PitstopError], int, str, str]] = [
    (errors.TooLarge, 413, "too-large", "Too large"),
    (errors.InvalidInput, 422, "invalid-input", "Invalid input"),
    (errors.NotFound, 404, "not-found", "Not found"),
    (errors.InvalidTransition, 409, "invalid-transition", "Invalid transition"),
    (errors.DeliverySuperseded, 409, "delivery-superseded",
     "A newer notification about the same subject exists"),
    (errors.Conflict, 409, "conflict", "Conflict"),
    (errors.InMaintenance, 503, "maintenance", "Target in maintenance"),
    (errors.MaintenanceSoon, 503, "maintenance-soon", "Maintenance starts before the work ends"),
    (errors.Unauthorized, 401, "unauthorized", "Unauthorized"),
    (errors.BudgetExceeded, 403, "disruption-budget", "Disruption budget exceeded"),
    (errors.Forbidden, 403, "forbidden", "Forbidden"),
    (errors.RateLimited, 429, "rate-limited", "Too many requests"),
    (errors.ChannelFailed, 502, "channel-failed", "The channel's receiver failed"),
    (errors.DatabaseUnavailable, 503, "database-unavailable", "Database unavailable"),
]
HTTP_SLUGS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed",
              413: "too-large", 415: "unsupported-media-type"}
HTTP_TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed",
               413: "Too large", 415: "Unsupported media type"}
# What each problem type means and what to do, served at /problems/<slug> (its ``type``).
DOCS = {
    "invalid-input": "A field breaks a rule. `errors` lists each field and what to change.",
    "malformed-json": "The body is not JSON. Send a JSON object with Content-Type "
                      "application/json.",
    "too-large": "The request body, a node's config, or the page's logo is over its size "
                 "limit (PITSTOP_MAX_BODY_BYTES, PITSTOP_MAX_NODE_CONFIG_BYTES, 256 KiB for "
                 "the logo). Send less.",
    "not-found": "The target, lease, token or endpoint does not exist.",
    "conflict": "The request clashes with the current state (a duplicate name, an ended lease).",
    "invalid-transition": "The object's current status does not allow this change.",
    "maintenance": "New work is refused: the target is in maintenance. `causes` says why; "
                   "`Retry-After` says when to retry, if the end is known.",
    "unauthorized": "Missing, invalid or revoked token. Send 'Authorization: Bearer <token>'.",
    "forbidden": "The token's role does not allow this request.",
    "disruption-budget": "Entering this node would put more nodes matching a disruption "
                         "budget in maintenance than it allows. `budget` names it (its "
                         "selector and `max_unavailable`), `in_maintenance` the nodes it "
                         "counts. Wait for one to exit, or (admins) send `force: true`: the "
                         "audit records the budget as overridden.",
    "rate-limited": "Too many requests: failed authentications, an agent polling too fast, "
                    "or subscribe requests. Wait `Retry-After` seconds.",
    "internal": "An unexpected server error; the server log has the details.",
    "maintenance-soon": "New work is refused: a maintenance window that gates work starts "
                        "before `expected_duration_s` would end. `causes` names it; "
                        "`force: true` admits the work anyway.",
    "delivery-superseded": "A newer notification about the same subject exists on this "
                           "channel (`superseded_by`); it carries the current state, so this "
                           "one is not sent again.",
    "channel-failed": "The channel's receiver failed (or could not be reached): `attempt` "
                      "has its status code or error. pitstop itself is fine.",
    "bad-request": "The request could not be read as HTTP pitstop understands.",
    "method-not-allowed": "This path does not answer this method; `Allow` lists those it "
                          "does.",
    "unsupported-media-type": "The body is not JSON: send Content-Type application/json.",
    "http-error": "An HTTP error the server's framework answered; the detail says which.",
    "database-unavailable": "The database is unreachable (connection refused or lost, a "
                            "timeout, a locked SQLite file). Retry after `Retry-After` "
                            "seconds; reads served from memory still answer, marked stale.",
}
# Types spelled with "_" before every slug was kebab-case: their pages redirect.
RENAMED = {"maintenance_soon": "maintenance-soon", "database_unavailable": "database-unavailable"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Problem types answered outside MAPPING, by status (for the OpenAPI document).
OTHER_SLUGS = {400: ("malformed-json",), 422: ("invalid-input",), 500: ("internal",)}


class FieldError(BaseModel):
    field: str = Field(description="the input that is wrong: a body field (dotted), a "
                       "query or path parameter, or `body`")
    message: str = Field(description="what to change")


class Problem(BaseModel):
    """An RFC 9457 problem: every error pitstop answers has this shape, with
    ``Content-Type: application/problem+json``. Some types add members (``retry_after``,
    ``holders``, ``role``…), so clients should keep unknown members."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(description="a stable identifier of the kind of problem, such as "
                      "`/problems/not-found`; branch on this, not on the text")
    title: str = Field(description="a short summary of the type")
    status: int = Field(description="the HTTP status code")
    detail: str = Field(description="what went wrong and what to change, for a human")
    instance: str = Field(description="the path that was requested")
    errors: list[FieldError] | None = Field(
        None, description="for invalid input: each wrong field and what to change")


def slugs_for(status: int) -> tuple[str, ...]:
    """Every problem type answered with ``status``."""
    found = [slug for _, st, slug, _ in MAPPING if st == status]
    found += [s for s in (HTTP_SLUGS.get(status),) if s] + list(OTHER_SLUGS.get(status, ()))
    return tuple(dict.fromkeys(found))


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route or router: the problem+json answers it may give, with the
    problem types of each status listed (see :mod:`pitstop.api.openapi`)."""
    return {status: {"model": Problem, "description": "Problem types: " + ", ".join(
        f"`{problem_type(s)}`" for s in slugs_for(status))} for status in statuses}


router = APIRouter(include_in_schema=False)


@router.get("/problems/{slug}")
async def problem_doc(slug: str) -> Response:
    """The documentation of one problem type: a problem's ``type`` resolves here."""
    if slug in RENAMED:  # the earlier spelling of a type: its page moved
        return Response(status_code=308, headers={"Location": problem_type(RENAMED[slug])})
    if slug not in DOCS:
        raise errors.NotFound(f"no problem type {slug!r}; see the README for every type")
    return PlainTextResponse(f"{slug}\n\n{DOCS[slug]}\n")


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem(
    request: HTTPConnection, status: int, slug: str, title: str, detail: str,
    headers: dict[str, str] | None = None, **extensions: Any,
) -> Response:
    body = {"type": problem_type(slug), "title": title, "status": status, "detail": detail,
            "instance": request.url.path, **extensions}
    return json_response(body, status, headers, media_type=PROBLEM)


def domain_problem(request: HTTPConnection, exc: errors.PitstopError) -> Response:
    """The problem+json answer to a domain error (also what refuses a WebSocket)."""
    status, slug, title = next(
        ((st, sl, ti) for cls, st, sl, ti in MAPPING if isinstance(exc, cls)),
        (500, "internal", "Internal error"),
    )
    headers = {}
    retry_after = exc.extensions.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    extensions = {k: v for k, v in exc.extensions.items() if v is not None}
    if isinstance(exc, errors.InvalidInput) and exc.field:
        extensions["errors"] = [{"field": exc.field, "message": exc.detail}]
    return problem(request, status, slug, title, exc.detail, headers, **extensions)


def _database_unavailable(request: Request, exc: errors.DatabaseUnavailable) -> Response:
    """An outage is a state, not a bug: one WARNING line per failed request (see
    log_unavailable), never a traceback each."""
    log_unavailable(log, f"{request.method} {request.url.path}", exc)
    return domain_problem(request, exc)


async def refuse_websocket(scope: Scope, receive: Receive, send: Send,
                           response: Response) -> None:
    """Refuse a WebSocket handshake with ``response`` — the same status, headers (such as
    Retry-After) and problem+json body as the HTTP API — through the ASGI "WebSocket Denial
    Response" extension (uvicorn has it). A close before the accept would reach the client as
    a bare 403 whatever went wrong. On a server without the extension: accept, then close with
    4000 + the status (4401, 4403, 4422, 4429) and the detail as the reason."""
    if "websocket.http.response" in scope.get("extensions", {}):
        await response(scope, receive, send)  # Starlette prefixes the messages "websocket."
        return
    detail = str(json.loads(bytes(response.body)).get("detail", ""))
    await receive()  # the websocket.connect that comes before an accept
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": 4000 + response.status_code,
                "reason": close_reason(detail)})


def close_reason(text: str) -> str:
    """``text`` cut to the 123 bytes of UTF-8 a close frame's reason may hold (RFC 6455)."""
    return text.encode()[:123].decode("utf-8", "ignore")


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errs = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errs):
        err = next(e for e in errs if e.get("type") == "json_invalid")
        detail = f"request body is not valid JSON: {err.get('ctx', {}).get('error', 'parse error')}"
        return problem(request, 400, "malformed-json", "Malformed JSON", detail)
    items = [{"field": _field(tuple(e.get("loc", ()))), "message": _message(e)} for e in errs]
    detail = "; ".join(i["message"] if i["message"].startswith(i["field"] + " ")
                       else f"{i['field']}: {i['message']}" for i in items)
    return problem(request, 422, "invalid-input", "Invalid input", detail, errors=items)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers on this path: Starlette's 405 names only the first
    route whose path matches, and several routes share most paths."""
    found = [method for method in METHODS if any(
        route.matches({**request.scope, "method": method})[0] is Match.FULL
        for route in request.app.router.routes)]
    return found + ["HEAD"] * ("GET" in found)


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    slug = HTTP_SLUGS.get(exc.status_code, "http-error")
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:  # pitstop raises NotFound itself: this is the router's
        detail = f"no such endpoint: {request.method} {request.url.path} (see /docs)"
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
        detail = f"{request.method} is not answered here; use {headers['Allow']}"
    return problem(request, exc.status_code, slug,
                   HTTP_TITLES.get(exc.status_code, detail), detail, headers)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(request, 500, "internal", "Internal error",
                   f"unexpected {type(exc).__name__}; the server log has the details")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.PitstopError, domain_problem)  # type: ignore[arg-type]
    app.add_exception_handler(errors.DatabaseUnavailable,
                              _database_unavailable)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
