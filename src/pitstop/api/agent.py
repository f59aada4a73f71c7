"""/v1/agent: what a node's agent calls with its own token (and nothing else it can read)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import principal_for, runtime_of
from pitstop.api.models.agent import AgentConfig, HeartbeatReceipt
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import HeartbeatBody
from pitstop.api.stale import stale_as_of, stale_headers
from pitstop.errors import Forbidden, InvalidInput
from pitstop.services import agent
from pitstop.services.runtime import Runtime

# Authenticated by principal_for with the node's agent token (not through the deps).
router = APIRouter(prefix="/v1/agent", tags=["agent"], responses=problems(401, 403, 429))
ETAG = {"ETag": {"description": "the config's version: send it back in If-None-Match",
                 "schema": {"type": "string"}}}


def _node_of(request: Request) -> tuple[Runtime, str]:
    """The agent's node, after its rate limit: checked before anything else is done."""
    principal = principal_for(request, "agent")
    rt = runtime_of(request)
    if principal.node is None:
        raise Forbidden("this agent token is not bound to a node")
    rt.agent_limiter.check(principal.node)
    rt.state.seen[principal.node] = clock.now()
    return rt, principal.node


@router.get("/config", response_model=AgentConfig, responses={
    200: {"headers": ETAG},
    304: {"description": "Not Modified: `If-None-Match` names the current ETag (no body)",
          "headers": ETAG},
    **problems(404)})
async def config(
    request: Request,
    if_none_match: Annotated[str | None, Header()] = None,
    wait_s: Annotated[float, Query(ge=0, le=60, description=(
        "with If-None-Match: hold the request until the config changes, up to this long "
        "(a push without a stream)"))] = 0,
) -> Response:
    """The node's config: ``workloads`` is ``[]`` in maintenance, every other field as set.
    304 with no body when ``If-None-Match`` matches the ETag."""
    return await _config(request, if_none_match, wait_s)


async def config_hot(request: Request) -> Response:
    """:func:`config` without FastAPI's dependency solver (mounted ahead of it): every agent
    polls it. The same checks, in the same order, and the same answers."""
    raw = request.query_params.get("wait_s")
    try:
        wait_s = float(raw) if raw else 0.0
    except ValueError:
        wait_s = -1.0
    if not 0 <= wait_s <= 60:
        _node_of(request)  # auth and the rate limit still come first
        raise InvalidInput("wait_s must be a number of seconds from 0 to 60", field="wait_s")
    return await _config(request, request.headers.get("if-none-match"), wait_s)


async def _config(request: Request, if_none_match: str | None, wait_s: float) -> Response:
    rt, node = _node_of(request)
    body, etag = agent.encoded_config(rt, node, clock.now())
    if if_none_match == etag and wait_s > 0:
        await rt.state.wait_for(
            lambda: agent.encoded_config(rt, node, clock.now())[1] != if_none_match, wait_s)
        body, etag = agent.encoded_config(rt, node, clock.now())
    headers = {"ETag": etag, "Cache-Control": "no-cache", **stale_headers(stale_as_of(rt))}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``#/$defs/...`` references written in place: in the
    OpenAPI document such a reference would not resolve (ReDoc and generators fail on it)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)  # type: ignore[no-any-return]


@router.post("/heartbeat", response_model=HeartbeatReceipt, responses=problems(404),
             openapi_extra={"requestBody": {"content": {"application/json": {
                 "schema": _inlined(HeartbeatBody.model_json_schema())}}, "required": True}})
async def heartbeat(request: Request) -> Response:
    """What the agent runs now (``{version, running: [{workload, started_at}]}``): its
    node's in-flight work for the drain."""
    rt, node = _node_of(request)  # the rate limit comes before reading the body
    try:
        body = HeartbeatBody.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    result = await agent.report(rt=rt, target=node, version=body.version,
                                running=[r.model_dump(mode="json") for r in body.running])
    return json_response(result)
