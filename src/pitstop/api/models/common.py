"""Shapes several answers share: why a target is in maintenance (causes and their holders),
the work in flight under it, its drain status, and what a maintenance switch call did.

They mirror ``domain.state.Cause.to_json``, ``hold_json``, ``domain.drain`` and
``services.maintenance.SwitchResult``; a field added there must be added here, or the
OpenAPI test (``additionalProperties: false``) fails.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Shape(BaseModel):
    """Every response model: a field the model does not name is a mistake."""

    model_config = ConfigDict(extra="forbid")


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def sometimes(description: str) -> Any:
    """A member that is absent in some answers, never null: optional in the schema, not
    nullable (the ``None`` default is only how pydantic spells "absent")."""
    return Field(None, description=description, json_schema_extra=_drop_default)


class Hold(Shape):
    actor: str = Field(description="who holds the switch on")
    hold: str | None = Field(description="the hold's name (a tool's, such as `deploy-3f9a`); "
                             "null for the actor's own hold")
    reason: str = Field(description="why, for operators (never shown publicly)")
    public_message: str | None = Field(description="what the public may read, if set")
    since: datetime
    expires_at: datetime | None = Field(description="when this hold ends by itself")


class SwitchCause(Shape):
    """A maintenance switch that is on, on the target or on what covers it (``platform``)."""

    kind: Literal["switch"]
    source: str = Field(description="the target whose switch it is")
    reason: str = Field(description="the oldest holder's reason")
    actor: str | None
    since: datetime
    until: datetime | None = Field(description="when it ends by itself, if every hold expires")
    public_message: str | None
    holders: list[Hold] = Field(description="everyone holding the switch on, oldest first")


class WindowCause(Shape):
    """An occurrence of a gating window in progress on the target."""

    kind: Literal["window"]
    source: str = Field(description="the target id it matched through: the target, or "
                        "`platform` that covers it")
    reason: str = Field(description="the window's title")
    actor: str | None = Field(description="who created the window")
    since: datetime
    until: datetime | None
    window: int
    occurrence: int


Cause = Annotated[SwitchCause | WindowCause, Field(discriminator="kind")]


class WorkInFlight(Shape):
    """A lease, or a run a node's agent reports (``reported: true``)."""

    id: str = Field(description="a lease's id, or `node:<name>/<workload>` for a reported run")
    target: str
    kind: str = Field(description="what kind of work (`workload` for a reported run)")
    holder: str
    phase: str | None
    acquired_at: datetime
    expected_end: datetime | None
    expires_at: datetime | None = Field(
        description="when it stops counting: a lease's TTL end, or when a reporting node "
        "goes offline")
    reported: bool = Field(description="true for a run a node's agent reports")
    node: str | None = Field(description="for a reported run: its node's name")
    last_heartbeat: datetime | None


class Drain(Shape):
    """Work in flight on a target and under it, and whether it is safe to deploy."""

    in_maintenance: bool
    in_flight: int = Field(ge=0, description="how much work counts now")
    phases: dict[str, int] = Field(description="work in flight by phase (`running`: none "
                                   "reported)")
    kinds: dict[str, int] = Field(description="work in flight by kind")
    current_phase: str = Field(description="`idle`, or the most common phase in flight")
    safe_to_deploy: bool = Field(description="in maintenance and nothing in flight")
    estimated_wait_ms: int | None = Field(
        description="until the work in flight should end; null when none of it has an "
        "expected end or a history of its kind")
    leases: list[WorkInFlight] = Field(description="the oldest 20 of the work in flight")
    more: int = Field(ge=0, description="how many more are in flight beyond `leases`")


Outcome = Literal["entered", "joined", "unchanged", "left", "exited", "not_held", "off"]
OUTCOME_HELP = ("what the call did to the caller's hold: entered (maintenance began), joined "
                "(another hold on a switch that was on), unchanged, left (others still hold "
                "it), exited (maintenance ended), not_held, off (it was not on)")


class Stale(Shape):
    """Answers served from memory carry ``stale``/``as_of`` while that memory may be out of
    date (the database or the backplane is unreachable); they are absent otherwise."""

    stale: Literal[True] = sometimes("present, true, while this answer may be out of date")
    as_of: datetime = sometimes("present with `stale`: when the state was last known current")
