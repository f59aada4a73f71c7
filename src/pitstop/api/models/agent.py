"""/v1/agent answers (``services.agent.config_document`` and ``report``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from pitstop.api.models.common import Cause, Shape


class AgentMaintenance(Shape):
    causes: list[Cause]
    until: datetime | None


class AgentConfig(Shape):
    """The node's desired config: every field as set, and ``workloads`` ``[]`` while the node
    is in maintenance (then ``maintenance`` says why)."""

    # Open on purpose: the config's other fields are whatever its agent needs.
    model_config = ConfigDict(extra="allow")
    workloads: list[Any]
    maintenance: AgentMaintenance | None = Field(None, description="present, only, while "
                                                 "the node is in maintenance")


class ReleasedRun(Shape):
    workload: str
    by: str
    at: datetime
    reason: str


class HeartbeatReceipt(Shape):
    etag: str = Field(description="the ETag of the node's config now: poll it when it "
                      "differs from the one held")
    in_maintenance: bool
    running: int = Field(ge=0, description="how many runs were reported")
    safe_to_deploy: bool
    released: list[ReleasedRun] = Field(description="reported runs an admin force-released: "
                                        "they do not count")
