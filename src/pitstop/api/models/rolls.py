"""/v1/rolls and /v1/disruption-budgets answers (``services.rolls.roll_json``,
``services.budgets``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape

StepStatus = Literal["pending", "entering", "draining", "running", "checking", "done",
                     "failed"]


class RollStep(Shape):
    node: str = Field(description="the node's name")
    status: StepStatus
    attempts: int = Field(description="how many times the step was started")
    started_at: datetime | None
    finished_at: datetime | None
    command_ok_at: datetime | None = Field(description="when its command last succeeded: a "
                                           "resumed step only runs the health check again")
    message: str | None = Field(description="what its driver said last (why it failed)")


class RollProgress(Shape):
    done: int
    total: int


class Roll(Shape):
    id: int
    selector: dict[str, str]
    max_unavailable: int
    reason: str
    command: list[str]
    check: str | None
    status: Literal["running", "failed", "done"] = Field(
        description="failed while a step is (resume it), done when every step is")
    hold: str = Field(description="the maintenance hold its driver takes on each node")
    driver: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    progress: RollProgress
    in_maintenance: list[str] = Field(description="its nodes in maintenance under its hold")
    steps: list[RollStep] = Field(description="in the order the roll takes them")


class RollList(Shape):
    items: list[Roll] = Field(description="newest first")


class BudgetRef(Shape):
    key: str = Field(description="the selector as text: `role=db`")
    selector: dict[str, str]
    max_unavailable: int


class Claim(Shape):
    next: Literal["start", "wait", "finished", "stopped"] = Field(
        description="start `node` now; wait (ask again); finished (nothing left to start); "
                    "stopped (a step failed)")
    node: str | None
    why: str
    command_done: bool = Field(description="the node's command succeeded before: check it "
                               "again, do not run the command twice")
    budget: BudgetRef | None = None


class Budget(BudgetRef):
    updated_at: datetime
    updated_by: str


class BudgetList(Shape):
    items: list[Budget]
