"""Request bodies of /v1/rolls and /v1/disruption-budgets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pitstop.api.schemas import Body, BodyWaitMs, JsonInt, Labels, Reason
from pitstop.domain.targets import HOLD_KEY_PATTERN

Driver = Annotated[str, Field(min_length=1, max_length=64, pattern=HOLD_KEY_PATTERN,
                              description="the CLI run driving the roll (its own random id)")]


class RollBody(Body):
    selector: Labels = Field(min_length=1, description="every label must match")
    max_unavailable: JsonInt = Field(1, ge=1, le=1000)
    reason: Reason
    command: list[Annotated[str, Field(max_length=4000)]] = Field(
        min_length=1, max_length=200, description="what the driver runs per node ({node} "
        "stands for its name)")
    check: str | None = Field(None, max_length=2000, description="the health check, as text")
    driver: Driver


class ClaimBody(Body):
    driver: Driver
    wait_ms: BodyWaitMs = 0


class StepBody(Body):
    driver: Driver
    status: Literal["pending", "draining", "running", "checking", "done", "failed"]
    message: str | None = Field(None, max_length=2000)


class ResumeBody(Body):
    driver: Driver
    take_over: bool = Field(False, strict=True, description="also restart the steps another "
                            "driver left in progress (it died)")


class BudgetBody(Body):
    selector: Labels = Field(min_length=1, description="every label must match")
    max_unavailable: JsonInt = Field(ge=0, le=100_000)
