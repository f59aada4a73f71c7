"""/v1/leases answers (``services.leases.lease_json``, ``list_in_flight``, ``force_release``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape, WorkInFlight


class Lease(WorkInFlight):
    """A lease: one unit of work admitted on a target, renewed by heartbeats."""

    state: Literal["active"] = Field(description="a lease answered here is in flight")


class InFlight(Lease):
    age_s: float = Field(ge=0, description="seconds since it was acquired (or started)")


class InFlightList(Shape):
    items: list[InFlight] = Field(description="oldest first")


class LeaseRelease(Shape):
    """An admin's force-release of a lease."""

    id: str
    kind: str
    holder: str
    phase: str | None
    target: str
    released_by: str
    reason: str
    released_at: datetime


class RunRelease(Shape):
    """An admin's force-release of a run a node's agent reports: it stops counting."""

    id: str = Field(description="`node:<name>/<workload>`")
    kind: Literal["workload"]
    holder: str
    node: str
    workload: str
    started_at: datetime
    target: str
    released_by: str
    reason: str
    released_at: datetime


ForcedRelease = LeaseRelease | RunRelease
