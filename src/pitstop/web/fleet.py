"""The console's fleet pages: every node with its health and maintenance, the deployment
matrix, and one node as its agent sees it."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from pitstop import clock
from pitstop.api.deps import runtime_of
from pitstop.api.params import AuditCursor
from pitstop.services import history, nodes, rolls, silence_rules
from pitstop.services.agent import config_document
from pitstop.services.nodes import NodeView
from pitstop.storage.audit import HistoryFilter
from pitstop.web.common import Session, render

router = APIRouter(prefix="/console/fleet", include_in_schema=False)
HISTORY_PAGE = 20
ROLLS_SHOWN = 5


def workload_names(config: dict[str, Any]) -> list[str]:
    """The desired workloads' names (each a string or an object with a ``name``)."""
    out = []
    for item in config.get("workloads") or []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name not in out:
            out.append(name)
    return out


def node_row(view: NodeView) -> dict[str, Any]:
    data = view.to_json()
    return {**data, "running_count": len(data["running"]),
            "cause": data["causes"][0] if data["causes"] else None}


def matrix(views: list[NodeView]) -> dict[str, Any]:
    """Workloads × nodes: where each is wanted and where it runs."""
    columns = [node_row(v) for v in views]
    workloads: list[str] = []
    for view in views:
        for name in workload_names(view.node.config):
            if name not in workloads:
                workloads.append(name)
        for run in view.node.running:
            if run.workload not in workloads:
                workloads.append(run.workload)
    cells = {}
    for view in views:
        wanted = set(workload_names(view.node.config))
        running = {r.workload for r in view.node.running}
        for name in workloads:
            cells[(name, view.node.name)] = ("running" if name in running else
                                             "desired" if name in wanted else "")
    return {"nodes": columns, "workloads": workloads, "cells": cells}


@router.get("")
async def fleet_page(request: Request, session: Session, partial: bool = False) -> Response:
    rt = runtime_of(request)
    views = nodes.list_nodes(rt)
    return render(request, session, "fleet", "console/_fleet.html",
                  {"rows": [node_row(v) for v in views], "matrix": matrix(views),
                   "rolls": await rolls.list_rolls(rt=rt, limit=ROLLS_SHOWN)},
                  partial, "Fleet")


@router.get("/{name}")
async def node_page(
    request: Request, session: Session, name: str, before: AuditCursor = None,
    after: AuditCursor = None, partial: bool = False,
) -> Response:
    rt = runtime_of(request)
    view = nodes.describe_node(rt, name)
    seen = config_document(rt.state, view.node.target, clock.now())
    page = await history.browse_history(rt=rt, where=HistoryFilter(target=view.node.target),
                                        before_id=before, after_id=after,
                                        limit=HISTORY_PAGE)
    silenced = await silence_rules.list_silences(rt=rt, target=view.node.target, live=True) \
        if rt.silence_worker is not None else []
    return render(request, session, "fleet/node", "console/_node.html",
                  {"node": node_row(view), "config_text": json.dumps(seen, indent=2,
                                                                     default=str),
                   "history": page, "silences": silenced}, partial, f"Node {view.node.name}")
