"""/v1/nodes: register agents' nodes, set their desired config, toggle maintenance (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from starlette.responses import Response

from pitstop.api.deps import RT, Admin, Operator, Reader
from pitstop.api.responses import json_response
from pitstop.api.schemas import BulkConfigBody, ExitBody, NodeBody, NodeEnterBody
from pitstop.errors import NotFound
from pitstop.services import nodes

router = APIRouter(prefix="/v1/nodes", tags=["nodes"])


@router.post("", status_code=201)
async def register(rt: RT, who: Admin, body: NodeBody) -> Response:
    """Register a node; its agent token is in the answer, this once only."""
    view, token = await nodes.register_node(rt=rt, name=body.name, labels=body.labels,
                                            actor=who.name)
    return json_response({**view.to_json(), "token": token.secret}, 201,
                         headers={"Location": f"/v1/nodes/{body.name}"})


@router.get("")
async def list_nodes(rt: RT, _: Reader) -> Response:
    return json_response({"items": [v.to_json() for v in nodes.list_nodes(rt)]})


@router.put("/config")
async def set_config_by_labels(rt: RT, who: Operator, body: BulkConfigBody) -> Response:
    """Set the same desired config on every registered node whose labels match."""
    names = nodes.names_matching(rt, body.selector.labels)
    if not names:
        raise NotFound(f"no registered node has the labels {body.selector.labels}",
                       labels=body.selector.labels)
    await nodes.set_config(rt=rt, names=names, config=body.config, actor=who.name)
    return json_response({"updated": names})


@router.get("/{name}")
async def get_node(rt: RT, _: Reader, name: str) -> Response:
    return json_response(nodes.describe_node(rt, name).to_json())


@router.delete("/{name}", status_code=204)
async def delete(rt: RT, who: Admin, name: str) -> Response:
    await nodes.delete_node(rt=rt, name=name, actor=who.name)
    return Response(status_code=204)


@router.post("/{name}/token/rotate")
async def rotate(rt: RT, who: Admin, name: str) -> Response:
    """A new agent token (shown once); the old one stops working at once."""
    token = await nodes.rotate_token(rt=rt, name=name, actor=who.name)
    return json_response({"name": name, "token": token.secret, "id": token.id})


@router.put("/{name}/config")
async def set_config(rt: RT, who: Operator, name: str,
                     config: dict[str, Any] = Body(..., examples=[{
                         "workloads": ["shipper"], "poll_interval_s": 30}])) -> Response:
    """The node's desired config: a JSON object with a ``workloads`` list, and any other
    fields its agent needs (they are delivered unchanged, in maintenance too)."""
    await nodes.set_config(rt=rt, names=[name], config=config, actor=who.name)
    return json_response(nodes.describe_node(rt, name).to_json())


@router.post("/{name}/maintenance/enter")
async def enter(rt: RT, who: Admin, name: str, body: NodeEnterBody) -> Response:
    """Admin only. The answer counts the workloads its agent runs (they will be stopped)."""
    result = await nodes.toggle(rt=rt, name=name, enter=True, reason=body.reason,
                                actor=who.name, hold=body.hold,
                                public_message=body.public_message)
    return json_response(_toggled(rt, name, result))


@router.post("/{name}/maintenance/exit")
async def exit_(rt: RT, who: Admin, name: str, body: ExitBody) -> Response:
    result = await nodes.toggle(rt=rt, name=name, enter=False, reason=body.reason,
                                actor=who.name, hold=body.hold, every=body.all)
    return json_response(_toggled(rt, name, result))


def _toggled(rt: RT, name: str, result: Any) -> dict[str, Any]:
    view = nodes.describe_node(rt, name)
    return {"changed": result.changed, "outcome": str(result.outcome),
            "message": result.message,
            "running_workloads": len(view.node.running), "node": view.to_json()}
