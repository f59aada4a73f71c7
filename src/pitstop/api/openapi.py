"""The served OpenAPI document: FastAPI's, made exact about errors and authentication.

Routes declare their own answers (``response_model`` and ``responses=problems(...)``); this
adds what every operation shares, derived from the operation itself rather than repeated on
sixty routes:

- every error answer is ``application/problem+json`` with the :class:`Problem` schema
  (FastAPI writes ``application/json`` and its own validation-error shape for 422), except
  where a route declares its own error model (the compatible deploy API's ``{error,
  message}``);
- an operation with a request body may answer 400 (malformed JSON), 413 (too large) and 415
  (not JSON), which the input guard and the error mapping give before the route runs;
- an operation with a body or parameters may answer 422 (invalid input);
- every ``/v1`` operation may answer 503 ``database-unavailable`` during an outage;
- an operation that documents 401 needs a bearer token: it gets the ``bearer`` security
  requirement, so generated clients send the token (unless the route names its own: the
  deploy API also takes the token as ``x-admin-code``);
- operation ids are the route functions' names (``get_target``, ``create_window``), with the
  tag in front where a name is shared or is one bare verb (``targets_enter``,
  ``tokens_create``): they become the function names of generated clients.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, APIRouter

from pitstop.api.direct import BODIES
from pitstop.api.problems import PROBLEM, Problem, problem_type, slugs_for

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
BODY_ERRORS = (400, 413, 415)
FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def _problem_answer(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": PROBLEM_REF}}}


def _types(status: int, slugs: tuple[str, ...] | None = None) -> str:
    return "Problem types: " + ", ".join(f"`{problem_type(s)}`"
                                         for s in slugs or slugs_for(status))


def _exact(path: str, operation: dict[str, Any]) -> None:
    answers: dict[str, Any] = operation.setdefault("responses", {})
    if "requestBody" in operation:
        for status in BODY_ERRORS:
            answers.setdefault(str(status), _problem_answer(_types(status)))
    if "requestBody" in operation or operation.get("parameters"):
        answers["422"] = _problem_answer(_types(422))
    else:
        answers.pop("422", None)
    if path.startswith("/v1/"):
        answers.setdefault("503", _problem_answer(_types(503, ("database-unavailable",))))
    for status, answer in answers.items():
        content = answer.get("content") or {}
        schema = next(iter(content.values()), {}).get("schema", PROBLEM_REF)
        if int(status) >= 400 and schema in (PROBLEM_REF, {"$ref": FASTAPI_422}):
            # not a route's own error shape (the deploy API's {error, message})
            answer["content"] = {PROBLEM: {"schema": PROBLEM_REF}}
    if "401" in answers:
        operation.setdefault("security", [{"bearer": []}])


def api_router(**options: Any) -> APIRouter:
    """An APIRouter whose operations get readable ids (:func:`unique_id`)."""
    return APIRouter(generate_unique_id_function=unique_id, **options)


def unique_id(route: APIRoute) -> str:
    """FastAPI's ``generate_unique_id_function``: ``tag:name``, made readable by
    :func:`_name_operations` once every operation is known."""
    return f"{route.tags[0] if route.tags else ''}:{route.name.rstrip('_')}"


def _name_operations(operations: list[dict[str, Any]]) -> None:
    names = Counter(op["operationId"].partition(":")[2] for op in operations)
    for op in operations:
        tag, _, name = op["operationId"].partition(":")
        tag = re.sub(r"\W+", "_", tag).lower()
        clear = names[name] == 1 and ("_" in name or name == tag)
        op["operationId"] = name if clear else f"{tag}_{name}"


def document(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI builds from the routes, made exact (see the module's doc)."""
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary,
                      description=app.description, routes=app.routes)
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            _exact(path, operation)
    _name_operations([op for item in doc.get("paths", {}).values() for op in item.values()])
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in FASTAPI_ONLY:
        schemas.pop(name, None)
    for name, model in {"Problem": Problem, **BODIES}.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas.setdefault(name, schema)
    components["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "an API token (`pst_…`), or a node's agent token on /v1/agent"},
        "adminCode": {"type": "apiKey", "in": "header", "name": "x-admin-code",
                      "description": "the deploy API's admin code: an admin token"}}
    return doc


def install(app: FastAPI) -> None:
    """Serve :func:`document` at /openapi.json, built once on first request."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
