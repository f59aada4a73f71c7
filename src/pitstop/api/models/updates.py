"""Updates posted during a maintenance, as services/updates.py writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape


class MaintenanceUpdate(Shape):
    """One update: its source text and that text rendered safely."""

    id: int
    status: Literal["scheduled", "in_progress", "verifying", "completed"] = Field(
        description="the maintenance's phase when it was posted")
    body: str = Field(description="the text as posted (markdown)")
    html: str = Field(description="the text rendered: no raw HTML, links to http, https "
                      "and mailto only")
    created_at: datetime
    actor: str = Field(description="who posted it")
    window: int | None = Field(description="the window, for an update to an occurrence")
    occurrence: int | None = Field(description="the occurrence it was posted to")
    target: str | None = Field(description="the target, for an update to a switch "
                               "maintenance")


class MaintenanceUpdateList(Shape):
    items: list[MaintenanceUpdate] = Field(description="newest first")
