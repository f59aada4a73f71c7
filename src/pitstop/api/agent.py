"""/v1/agent: what a node's agent calls with its own token (and nothing else it can read)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import principal_for, runtime_of
from pitstop.api.direct import body_schema, direct, read_body
from pitstop.api.models.agent import AgentConfig, HeartbeatReceipt
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import HeartbeatBody
from pitstop.api.stale import stale_as_of, stale_headers
from pitstop.errors import Forbidden, InvalidInput
from pitstop.services import agent
from pitstop.services.runtime import Runtime

# Authenticated by principal_for with the node's agent token (not through the deps).
router = api_router(prefix="/v1/agent", tags=["agent"], responses=problems(401, 403, 429))
CONFIG_PARAMS = {"parameters": [
    {"name": "wait_s", "in": "query", "required": False, "description": (
        "with If-None-Match: hold the request until the config changes, up to this long "
        "(a push without a stream)"),
     "schema": {"type": "number", "minimum": 0, "maximum": 60, "default": 0}},
    {"name": "if-none-match", "in": "header", "required": False,
     "description": "the ETag of the config the agent has", "schema": {"type": "string"}},
]}
ETAG = {"ETag": {"description": "the config's version: send it back in If-None-Match",
                 "schema": {"type": "string"}}}


async def _node_of(request: Request) -> tuple[Runtime, str]:
    """The agent's node, after its rate limit: checked before anything else is done."""
    principal = await principal_for(request, "agent")
    rt = runtime_of(request)
    if principal.node is None:
        raise Forbidden("this agent token is not bound to a node")
    rt.agent_limiter.check(principal.node)
    rt.state.seen[principal.node] = clock.now()
    return rt, principal.node


@direct(router, "GET", "/config", response_model=AgentConfig, openapi_extra=CONFIG_PARAMS,
        responses={200: {"headers": ETAG}, 304: {
            "description": "Not Modified: `If-None-Match` names the current ETag (no body)",
            "headers": ETAG}, **problems(404)})
async def config(request: Request) -> Response:
    """The node's config: ``workloads`` is ``[]`` in maintenance, every other field as set.
    304 with no body when ``If-None-Match`` matches the ETag."""
    # Every agent polls this: a Direct route, which reads its query and header itself.
    raw = request.query_params.get("wait_s")
    try:
        wait_s = float(raw) if raw else 0.0
    except ValueError:
        wait_s = -1.0
    rt, node = await _node_of(request)  # auth and the rate limit come first
    if not 0 <= wait_s <= 60:
        raise InvalidInput("wait_s must be a number of seconds from 0 to 60", field="wait_s")
    if_none_match = request.headers.get("if-none-match")
    body, etag = agent.encoded_config(rt, node, clock.now())
    if if_none_match == etag and wait_s > 0:
        body, etag = await agent.changed_config(rt, node, etag, wait_s)
    headers = {"ETag": etag, "Cache-Control": "no-cache", **stale_headers(stale_as_of(rt))}
    if if_none_match == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@direct(router, "POST", "/heartbeat", response_model=HeartbeatReceipt, responses=problems(404),
        openapi_extra=body_schema(HeartbeatBody))
async def heartbeat(request: Request) -> Response:
    """What the agent runs now (``{version, running: [{workload, started_at}]}``): its
    node's in-flight work for the drain."""
    rt, node = await _node_of(request)  # the rate limit comes before reading the body
    body: HeartbeatBody = await read_body(request, HeartbeatBody)
    result = await agent.report(rt=rt, target=node, version=body.version,
                                running=[r.model_dump(mode="json") for r in body.running])
    return json_response(result)
