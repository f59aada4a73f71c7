"""Silence rules and the Alertmanager silences they made, as services/silence_rules.py
writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from pitstop.api.models.common import Shape


class Matcher(Shape):
    name: str = Field(description="an Alertmanager label name")
    value: str = Field(description="the value; in a rule, a template: {id}, {kind}, {name}, "
                       "{labels.KEY}")
    isRegex: bool  # Alertmanager's spelling
    isEqual: bool


class SilenceRule(Shape):
    """Targets it matches are silenced in Alertmanager while they are in maintenance."""

    id: int
    name: str
    selector: Any = Field(description="a target id, or {\"labels\": {...}}")
    matchers: list[Matcher]
    padding_s: int = Field(description="added to the end of a maintenance whose end is known")
    created_at: datetime
    created_by: str


class SilenceRuleList(Shape):
    items: list[SilenceRule]


class Silence(Shape):
    """One silence pitstop wants (or wanted) in Alertmanager."""

    id: int
    rule: int
    target: str
    cause: str = Field(description="switch:<target> or occurrence:<id>")
    state: Literal["active", "ending", "ended"]
    synced: bool = Field(description="Alertmanager agrees with this row")
    alertmanager_id: str | None
    matchers: list[Matcher]
    comment: str
    ends_at: datetime | None = Field(description="the maintenance's end (with the rule's "
                                     "padding), when known")
    alertmanager_ends_at: datetime | None
    attempts: int
    last_error: str | None
    created_at: datetime
    ended_at: datetime | None


class SilenceList(Shape):
    items: list[Silence]
