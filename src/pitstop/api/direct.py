"""Routes whose handler reads the request itself: the polled and per-unit-of-work routes.

A :class:`Direct` route is an ordinary FastAPI route — it is in the OpenAPI document with its
response models, its path parameters (from the handler's signature) and whatever else
``openapi_extra`` declares — but FastAPI has nothing to solve when it runs: the handler gets
the :class:`Request` and its path parameters as strings, authenticates with
:func:`pitstop.api.deps.principal_for` and validates what it reads. That is what keeps
``GET /v1/targets/{target}``, ``/health``, the agent's config poll and lease admission
close to a bare endpoint's speed (``bench/read_path.py``, ``bench/config_polls.py``,
``bench/lease_throughput.py``), with one handler per route.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, request_response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
Endpoint = Callable[..., Coroutine[Any, Any, Response]]


class Direct(APIRoute):
    """An APIRoute whose handler is called as ``handler(request, **path_params)``."""

    def __init__(self, path: str, endpoint: Endpoint, **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        # Starlette's adapter: FastAPI's adds exit stacks for dependencies with yield, and
        # a Direct route has no dependencies.
        self.app = request_response(self.get_route_handler())

    # Starlette's own matching and dispatch: FastAPI's look for the context include_router
    # gives a route, and pitstop.app puts its routes in one flat table without one.
    matches = Route.matches
    handle = Route.handle

    def get_route_handler(self) -> Handler:
        dependant = self.dependant
        extra = (dependant.query_params or dependant.header_params or dependant.cookie_params
                 or dependant.body_params or dependant.dependencies)
        if extra or dependant.request_param_name != "request":
            raise TypeError(f"{self.endpoint.__name__}: a Direct route's handler takes "
                            "(request: Request, <path parameters: str>) and reads the rest "
                            "itself; document query, headers and body in openapi_extra")
        for param in dependant.path_params:
            if param.field_info.annotation is not str:
                raise TypeError(f"{self.endpoint.__name__}: path parameter {param.name!r} "
                                "must be a str (a Direct route does not convert it)")
        endpoint, names = self.endpoint, tuple(p.name for p in dependant.path_params)
        if not names:
            return endpoint  # type: ignore[no-any-return]

        async def handler(request: Request) -> Response:
            params = request.path_params
            return await endpoint(request, **{name: params[name] for name in names})  # type: ignore[no-any-return]

        return handler


def direct(router: APIRouter, method: str, path: str,
           **options: Any) -> Callable[[Endpoint], Endpoint]:
    """``@router.<method>(path, **options)`` for a :class:`Direct` route."""
    def register(handler: Endpoint) -> Endpoint:
        router.add_api_route(path, handler, methods=[method], route_class_override=Direct,
                             **options)
        return handler

    return register


async def read_body(request: Request, model: type[BaseModel]) -> Any:
    """The JSON body as ``model``; a body that breaks it is the same 422 FastAPI gives."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring ``model`` as the required JSON request body. The model
    goes into the document's components under its own name (:data:`BODIES`), as FastAPI
    puts the bodies it reads itself: generated clients name their class after it."""
    BODIES[model.__name__] = model
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"content": {"application/json": {"schema": ref}},
                            "required": True}}


# The request bodies Direct routes read, by component name (see pitstop.api.openapi).
BODIES: dict[str, type[BaseModel]] = {}
