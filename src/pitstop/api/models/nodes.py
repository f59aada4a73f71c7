"""/v1/nodes answers (``services.nodes.NodeView.to_json`` and the routes' own bodies)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from pitstop.api.models.common import OUTCOME_HELP, Cause, Drain, Outcome, Shape


class RunReleased(Shape):
    by: str
    at: datetime
    reason: str


class NodeRun(Shape):
    """A run the node's agent reports."""

    workload: str
    started_at: datetime
    lost_at: datetime | None = Field(None, description="present once recorded lost (its "
                                     "node went offline); the next report clears it")
    released: RunReleased | None = Field(None, description="present once an admin "
                                         "force-released it")


class Node(Shape):
    name: str
    target: str = Field(description="`node:<name>`")
    labels: dict[str, str]
    health: Literal["online", "offline", "unknown"] = Field(
        description="from the agent's contacts, independent of maintenance")
    last_seen: datetime | None
    agent_version: str | None
    poll_interval_s: float
    running: list[NodeRun]
    in_maintenance: bool
    causes: list[Cause]
    until: datetime | None
    drain: Drain
    config: dict[str, Any] = Field(description="the desired config, as set (not masked)")
    config_updated_at: datetime
    config_updated_by: str


class NodeList(Shape):
    items: list[Node] = Field(description="sorted by name")


class RegisteredNode(Node):
    token: str = Field(description="the node's agent token: shown this once only")


class NodeToken(Shape):
    name: str
    token: str = Field(description="the new agent token: shown this once only")
    id: str = Field(description="the token's id")


class ConfigUpdate(Shape):
    updated: list[str] = Field(description="the names of the nodes whose config was set")


class NodeMaintenanceChange(Shape):
    changed: bool = Field(description="the node's maintenance began or ended")
    outcome: Outcome = Field(description=OUTCOME_HELP)
    message: str
    running_workloads: int = Field(ge=0, description="how many workloads its agent reports "
                                   "running (stopped while in maintenance)")
    node: Node
