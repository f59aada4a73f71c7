"""/v1/services answers (``services.service_status.ServiceView.to_json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from pitstop.api.models.common import Shape

ImpactLevel = Literal["MAINTENANCE", "DEGRADED", "DOWN"]


class ServiceRealtime(Shape):
    """What a monitor last reported."""

    status: Literal["UP", "DEGRADED", "DOWN"]
    message: str | None
    at: datetime
    by: str = Field(description="the token that reported it")


class WindowImpact(Shape):
    """An occurrence in progress whose window affects the service."""

    impact: ImpactLevel
    kind: Literal["window"]
    window: int
    occurrence: int
    title: str
    until: datetime


class SwitchImpact(Shape):
    """A maintenance switch that is on over the service (counts as MAINTENANCE)."""

    impact: ImpactLevel
    kind: Literal["switch"]
    source: str = Field(description="the target whose switch it is")
    title: str = Field(description="the switch's reason")
    until: datetime | None


ServiceImpact = Annotated[WindowImpact | SwitchImpact, Field(discriminator="kind")]


class Service(Shape):
    name: str
    target: str = Field(description="`service:<name>`")
    labels: dict[str, str]
    displayed: Literal["UP", "DEGRADED", "DOWN", "MAINTENANCE", "UNKNOWN"] = Field(
        description="the most severe impact in progress, else the realtime status (UNKNOWN "
        "before any report)")
    realtime: ServiceRealtime | None = Field(description="null before any report")
    impacts: list[ServiceImpact]


class ServiceList(Shape):
    items: list[Service] = Field(description="sorted by name")
