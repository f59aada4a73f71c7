"""Windows, their occurrences and recurrence previews, as services/window_views.py and the
preview route write them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape, sometimes

OccurrenceStatus = Literal["SCHEDULED", "READY", "ONGOING", "COMPLETED", "CANCELLED"]
WindowStatus = Literal["ACTIVE", "PAUSED"]


class SelectorLabels(Shape):
    labels: dict[str, str] = Field(description="every label must match")


class WindowAffect(Shape):
    selector: str | SelectorLabels = Field(
        description="a target id (platform, node:a, service:api) or a label match")
    impact: Literal["MAINTENANCE", "DEGRADED", "DOWN"]


class Occurrence(Shape):
    """One occurrence of a window, stored or projected (``id`` null, ``projected`` true)."""

    id: int | None = Field(description="null for a projected occurrence (not stored yet)")
    window: int = Field(description="the window's id")
    title: str = Field(description="the window's title")
    status: OccurrenceStatus
    recurrence_id: datetime = Field(description="the original start (UTC): its identity")
    start: datetime
    end: datetime
    timezone: str = Field(description="the window's IANA time zone")
    start_local: datetime = Field(description="the start as wall time in the window's zone")
    end_local: datetime = Field(description="the end as wall time in the window's zone")
    moved: bool = Field(description="its times differ from what the rule gives")
    paused: bool = Field(description="the window is paused and this one has not started")
    ready_at: datetime = Field(description="when it becomes READY (start minus ready_lead)")
    reminders: list[datetime] = Field(description="when each reminder is due")
    projected: bool = Field(description="computed from the rule beyond the stored horizon")
    updated_at: datetime = sometimes("stored occurrences only")
    version: int = sometimes("stored occurrences only")


class OccurrenceList(Shape):
    items: list[Occurrence]


class Window(Shape):
    """A maintenance window: when (a start, a zone, a duration, an optional rule) and what it
    affects."""

    id: int
    title: str
    description: str
    start: str = Field(description="local wall-clock start in `timezone`, without an offset "
                       "(YYYY-MM-DDTHH:MM:SS)")
    timezone: str = Field(description="IANA time zone")
    duration: str = Field(description="ISO 8601 duration, such as PT2H")
    duration_s: int = Field(description="the duration in seconds")
    rrule: str | None = Field(description="RFC 5545 RRULE; null for a one-time window")
    recurring: bool
    affects: list[WindowAffect]
    gates_work: bool = Field(description="its occurrences refuse new work while in progress")
    ready_lead: str = Field(description="ISO 8601 duration before the start when an "
                            "occurrence becomes READY")
    reminders: list[str] = Field(description="ISO 8601 lead times of the reminders")
    public: bool = Field(description="shown on the public status page and calendar")
    status: WindowStatus
    created_at: datetime
    created_by: str
    updated_at: datetime
    version: int
    occurrences: list[Occurrence] = Field(
        description="its live occurrences (in a list of windows: the next one only)")


class WindowList(Shape):
    items: list[Window]


class PreviewOccurrence(Shape):
    recurrence_id: datetime
    start: datetime
    end: datetime
    start_local: datetime = Field(description="the start as wall time in the zone")
    end_local: datetime = Field(description="the end as wall time in the zone")


class RecurrencePreview(Shape):
    """The next occurrences of a rule; nothing is saved."""

    start: str = Field(description="the local start, without an offset")
    timezone: str
    rrule: str | None = Field(description="the rule as it would be stored")
    recurring: bool
    occurrences: list[PreviewOccurrence]
