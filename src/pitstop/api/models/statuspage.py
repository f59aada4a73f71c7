"""/api/v2/*.json answers: Atlassian Statuspage's public API shapes
(``services.statuspage_compat``). Field names and enums are Statuspage's, so its readers
read pitstop unchanged."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape, sometimes

ComponentStatus = Literal["operational", "degraded_performance", "partial_outage",
                          "major_outage", "under_maintenance"]
MaintenanceStatus = Literal["scheduled", "in_progress", "verifying", "completed"]
Indicator = Literal["none", "minor", "major", "critical", "maintenance"]


class Page(Shape):
    id: str
    name: str
    url: str = Field(description="the public status page")
    time_zone: str
    updated_at: datetime = Field(description="the last change of anything the page shows")


class PageStatus(Shape):
    indicator: Indicator = Field(description="none (operational), minor (degraded), major "
                                             "(outage), maintenance")
    description: str


class Component(Shape):
    """A service, with the status the public status page displays for it, or a group of
    services (``group: true``) with the most severe of its members' statuses."""

    id: str = Field(description="the service's target id, service:<name>; a group's "
                    "group-<id>")
    name: str
    status: ComponentStatus = Field(
        description="under_maintenance while a window or switch affects it (as on the status "
                    "page, even if its monitor reports it down); operational also for a "
                    "service no monitor has reported yet")
    created_at: datetime
    updated_at: datetime
    position: int
    description: str | None
    showcase: bool
    start_date: str | None
    group_id: str | None = Field(description="the group component this service is in "
                                 "(group-<id>), null outside any group")
    page_id: str
    group: bool = Field(description="true for a service group (see PUT /v1/service-groups)")
    only_show_if_degraded: bool
    components: list[str] | None = sometimes(
        "a group's members' ids; present on group components only")


class AffectedComponent(Shape):
    """How an update changed a component (Statuspage's ``affected_components`` items)."""

    code: str
    name: str
    old_status: ComponentStatus
    new_status: ComponentStatus


class IncidentUpdate(Shape):
    id: str
    status: MaintenanceStatus
    body: str
    incident_id: str = Field(description="the scheduled maintenance's id")
    created_at: datetime
    updated_at: datetime
    display_at: datetime
    affected_components: list[AffectedComponent] | None = Field(
        description="null in the updates pitstop writes itself")
    deliver_notifications: bool
    custom_tweet: str | None
    tweet_id: str | None


class ScheduledMaintenance(Shape):
    """A public window's occurrence (id ``occ-<occurrence>``) or a switch that is on over
    the platform or a service (id ``switch-<target>-<since>``, named by its public message)."""

    id: str
    name: str
    status: MaintenanceStatus
    created_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    impact: Indicator
    shortlink: str
    started_at: datetime
    page_id: str
    incident_updates: list[IncidentUpdate] = Field(description="newest first")
    components: list[Component]
    scheduled_for: datetime
    scheduled_until: datetime = Field(
        description="a switch with no end set: the time of the answer (it moves on)")


class StatusAnswer(Shape):
    page: Page
    status: PageStatus


class ComponentsAnswer(Shape):
    page: Page
    components: list[Component]


class ScheduledMaintenancesAnswer(Shape):
    page: Page
    scheduled_maintenances: list[ScheduledMaintenance]


class Summary(Shape):
    page: Page
    components: list[Component]
    incidents: list[ScheduledMaintenance] = Field(
        description="unresolved incidents: pitstop has none, always empty")
    scheduled_maintenances: list[ScheduledMaintenance] = Field(
        description="in progress, then upcoming")
    status: PageStatus
