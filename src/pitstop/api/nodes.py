"""/v1/nodes: register agents' nodes, set their desired config, toggle maintenance (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Path
from starlette.responses import Response

from pitstop.api.deps import RT, Admin, Operator, Reader
from pitstop.api.models.nodes import (
    ConfigUpdate,
    Node,
    NodeList,
    NodeMaintenanceChange,
    NodeToken,
    RegisteredNode,
)
from pitstop.api.openapi import api_router
from pitstop.api.problems import problems
from pitstop.api.responses import json_response
from pitstop.api.schemas import CONFIG_SCHEMA, BulkConfigBody, ExitBody, NodeBody, NodeEnterBody
from pitstop.domain.targets import NAME_PATTERN
from pitstop.errors import NotFound
from pitstop.services import nodes

router = api_router(prefix="/v1/nodes", tags=["nodes"], responses=problems(401, 403, 429))
# Documents what services.nodes checks (with a message saying what a name looks like).
NodeName = Annotated[str, Path(description="1-63 of a-z 0-9 - _ .",
                               json_schema_extra={"pattern": NAME_PATTERN})]
LOCATION = {"Location": {"description": "the node's URL", "schema": {"type": "string"}}}


@router.post("", status_code=201, response_model=RegisteredNode,
             responses={201: {"headers": LOCATION}, **problems(409)})
async def register(rt: RT, who: Admin, body: NodeBody) -> Response:
    """Register a node; its agent token is in the answer, this once only."""
    view, token = await nodes.register_node(rt=rt, name=body.name, labels=body.labels,
                                            actor=who.name)
    return json_response({**view.to_json(), "token": token.secret}, 201,
                         headers={"Location": f"/v1/nodes/{body.name}"})


@router.get("", response_model=NodeList)
async def list_nodes(rt: RT, _: Reader) -> Response:
    return json_response({"items": [v.to_json() for v in nodes.list_nodes(rt)]})


@router.put("/config", response_model=ConfigUpdate, responses=problems(404, 413))
async def set_config_by_labels(rt: RT, who: Operator, body: BulkConfigBody) -> Response:
    """Set the same desired config on every registered node whose labels match."""
    names = nodes.names_matching(rt, body.selector.labels)
    if not names:
        raise NotFound(f"no registered node has the labels {body.selector.labels}",
                       labels=body.selector.labels)
    await nodes.set_config(rt=rt, names=names, config=body.config, actor=who.name)
    return json_response({"updated": names})


@router.get("/{name}", response_model=Node, responses=problems(404))
async def get_node(rt: RT, _: Reader, name: NodeName) -> Response:
    return json_response(nodes.describe_node(rt, name).to_json())


@router.delete("/{name}", status_code=204, responses=problems(404))
async def delete(rt: RT, who: Admin, name: NodeName) -> Response:
    await nodes.delete_node(rt=rt, name=name, actor=who.name)
    return Response(status_code=204)


@router.post("/{name}/token/rotate", response_model=NodeToken, responses=problems(404))
async def rotate(rt: RT, who: Admin, name: NodeName) -> Response:
    """A new agent token (shown once); the old one stops working at once."""
    token = await nodes.rotate_token(rt=rt, name=name, actor=who.name)
    return json_response({"name": name, "token": token.secret, "id": token.id})


@router.put("/{name}/config", response_model=Node, responses=problems(404, 413))
async def set_config(rt: RT, who: Operator, name: NodeName,
                     config: dict[str, Any] = Body(..., examples=[{
                         "workloads": ["shipper"], "poll_interval_s": 30}],
                         json_schema_extra=CONFIG_SCHEMA)) -> Response:
    """The node's desired config: a JSON object with a ``workloads`` list, and any other
    fields its agent needs (they are delivered unchanged, in maintenance too)."""
    await nodes.set_config(rt=rt, names=[name], config=config, actor=who.name)
    return json_response(nodes.describe_node(rt, name).to_json())


@router.post("/{name}/maintenance/enter", response_model=NodeMaintenanceChange,
             responses=problems(404))
async def enter(rt: RT, who: Admin, name: NodeName, body: NodeEnterBody) -> Response:
    """Admin only. The answer counts the workloads its agent runs (they will be stopped).
    A disruption budget it would exceed refuses it (403 disruption-budget) unless
    ``force``."""
    result = await nodes.toggle(rt=rt, name=name, enter=True, reason=body.reason,
                                actor=who.name, hold=body.hold,
                                public_message=body.public_message, force=body.force)
    return json_response(_toggled(rt, name, result))


@router.post("/{name}/maintenance/exit", response_model=NodeMaintenanceChange, summary="Exit",
             responses=problems(404, 409))
async def exit_(rt: RT, who: Admin, name: NodeName, body: ExitBody) -> Response:
    result = await nodes.toggle(rt=rt, name=name, enter=False, reason=body.reason,
                                actor=who.name, hold=body.hold, every=body.all)
    return json_response(_toggled(rt, name, result))


def _toggled(rt: RT, name: str, result: Any) -> dict[str, Any]:
    view = nodes.describe_node(rt, name)
    return {"changed": result.changed, "outcome": str(result.outcome),
            "message": result.message,
            "running_workloads": len(view.node.running), "node": view.to_json()}
