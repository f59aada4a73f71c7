"""/health, /health/ready and /health/live, as api/health.py writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape, sometimes


class DatabaseHealth(Shape):
    """The last database check: ``latency_ms`` while ok, ``error`` (its kind, never its
    message) while unreachable."""

    status: Literal["ok", "unreachable"]
    latency_ms: float | None = sometimes("while ok: the last probe's latency, null before "
                                         "the first probe")
    error: str = sometimes("while unreachable: the kind of error")
    last_ok: datetime = Field(description="when the database last answered")


class HealthChecks(Shape):
    database: DatabaseHealth


class Health(Shape):
    """Polled by load balancers; always 200. ``status`` is "degraded" while the database is
    unreachable (the maintenance fields then come from memory: ``stale``, ``as_of``)."""

    status: Literal["ok", "degraded"]
    uptime: float = Field(description="seconds since this process started")
    version: str
    maintenanceMode: bool = Field(description="the platform is in maintenance")
    maintenanceReason: str | None = Field(description="the public message, never an "
                                          "operator's reason")
    leader: bool = Field(description="this replica runs the scheduler")
    replica: str | None = Field(description="this replica's id; null for a single SQLite "
                                "process")
    checks: HealthChecks
    stale: bool = sometimes("present (true) while the state may be out of date")
    as_of: datetime = sometimes("while stale: when the state was last known current")


class Readiness(Shape):
    status: Literal["ready", "unavailable"]
    checks: HealthChecks


class Liveness(Shape):
    status: Literal["ok"]
