"""The served OpenAPI document: FastAPI's, made exact about errors and authentication.

Routes declare their own answers (``response_model`` and ``responses=problems(...)``); this
adds what every operation shares, derived from the operation itself rather than repeated on
sixty routes:

- every error answer is ``application/problem+json`` with the :class:`Problem` schema
  (FastAPI writes ``application/json`` and its own validation-error shape for 422);
- an operation with a request body may answer 400 (malformed JSON), 413 (too large) and 415
  (not JSON), which the input guard and the error mapping give before the route runs;
- an operation with a body or parameters may answer 422 (invalid input);
- every ``/v1`` operation may answer 503 ``database_unavailable`` during an outage;
- an operation that documents 401 needs a bearer token: it gets the ``bearer`` security
  requirement, so generated clients send the token.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from pitstop.api.problems import PROBLEM, Problem, problem_type, slugs_for

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
BODY_ERRORS = (400, 413, 415)
FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")


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
        answers.setdefault("503", _problem_answer(_types(503, ("database_unavailable",))))
    for status, answer in answers.items():
        content = answer.get("content") or {}
        schema = next(iter(content.values()), {}).get("schema", PROBLEM_REF)
        # A route may answer an error status with its own JSON model (/health/ready's 503)
        if int(status) >= 400 and schema == PROBLEM_REF:
            answer["content"] = {PROBLEM: {"schema": schema}}
    if "401" in answers:
        operation["security"] = [{"bearer": []}]


def document(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI builds from the routes, made exact (see the module's doc)."""
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary,
                      description=app.description, routes=app.routes)
    for path, item in doc.get("paths", {}).items():
        for operation in item.values():
            _exact(path, operation)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in FASTAPI_ONLY:
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas.setdefault("Problem", problem)
    components["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "an API token (`pst_…`), or a node's agent token on /v1/agent"}}
    return doc


def install(app: FastAPI) -> None:
    """Serve :func:`document` at /openapi.json, built once on first request."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
