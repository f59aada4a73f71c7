"""/v1/targets answers (``services.targets.TargetView.to_json``, ``services.gate``, the
drain route and ``SwitchResult.to_json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import OUTCOME_HELP, Cause, Drain, Outcome, Shape, Stale

TargetKind = Literal["platform", "node", "service"]


class TargetState(Shape):
    """A target's effective maintenance state and drain status, as of the request."""

    id: str = Field(description="`platform`, `node:<name>` or `service:<name>`")
    kind: TargetKind
    name: str
    labels: dict[str, str]
    in_maintenance: bool
    causes: list[Cause] = Field(description="why it is in maintenance, oldest first")
    until: datetime | None = Field(description="when every cause has ended, if all have a "
                                   "known end")
    drain: Drain
    created_at: datetime
    updated_at: datetime


class Target(TargetState, Stale):
    """One target, read from memory: marked while that memory may be out of date."""


class TargetList(Stale):
    items: list[TargetState] = Field(description="sorted by id")


class GateSwitch(Shape):
    """A switch that is on over the target (its own, or the platform's)."""

    source: str
    reason: str
    actor: str | None
    since: datetime
    expires_at: datetime | None
    public_message: str | None = Field(description="what the public may read about it (the "
                                       "reason is for operators)")


class GateWindow(Shape):
    """A gating occurrence, in progress or to come, whose window affects the target."""

    window: int
    occurrence: int
    title: str
    source: str = Field(description="the target id it matched through")
    start: datetime
    end: datetime
    status: Literal["SCHEDULED", "READY", "ONGOING"]
    paused: bool = Field(description="its window is paused: it gates only once in progress")
    public: bool = Field(description="its window is public: its title may be shown to anyone")


class Gate(Stale):
    """What the SDK's Gate decides from, exactly as lease admission does."""

    target: str
    at: datetime = Field(description="the server's time of this answer")
    switches: list[GateSwitch]
    windows: list[GateWindow] = Field(description="those generated so far (see horizon_days)")
    horizon_days: int = Field(description="how far ahead occurrences are generated")


class TargetDrain(Drain):
    """A target's drain status with the causes of its maintenance."""

    target: str
    causes: list[Cause]


class Waited(Shape):
    safe_to_deploy: bool
    timed_out: bool = Field(description="the wait ran out before the target was safe")


class MaintenanceChange(Shape):
    """What entering or leaving maintenance did, and the target as it is now."""

    changed: bool = Field(description="the target's maintenance began or ended")
    outcome: Outcome = Field(description=OUTCOME_HELP)
    message: str
    target: TargetState
    waited: Waited | None = Field(None, description="present when `wait_ms` was given")
