"""The audit history, as services/history.py writes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from pitstop.api.models.common import Shape


class HistoryEntry(Shape):
    id: int
    at: datetime
    actor: str
    action: str = Field(description="such as maintenance.entered, window.created")
    target: str | None = Field(description="a target id or window:<id>")
    reason: str | None
    details: dict[str, Any] = Field(description="what changed (before/after), by action")


class HistoryPage(Shape):
    items: list[HistoryEntry] = Field(description="newest first")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null "
                                    "at the end")
