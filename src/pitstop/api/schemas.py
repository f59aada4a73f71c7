"""Request bodies. Every field is checked here; messages say what to change."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from pitstop.domain.targets import validate_reason

Reason = Annotated[str, AfterValidator(validate_reason)]
WaitMs = Annotated[int, Field(ge=0, le=3_600_000, description="wait up to this long for safe")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnterBody(Body):
    reason: Reason
    expires_at: AwareDatetime | None = Field(
        None, description="turn maintenance off by itself at this time (with a time zone)")
    wait_ms: WaitMs | None = None


class ExitBody(Body):
    reason: Reason


class TargetBody(Body):
    labels: dict[str, str] = Field(default_factory=dict)


class LeaseBody(Body):
    target: str = Field(min_length=1, max_length=80)
    kind: str = Field(min_length=1, max_length=100)
    holder: str = Field(min_length=1, max_length=200)
    expected_duration_s: float | None = Field(None, gt=0, le=7 * 86400)
    phase: str | None = Field(None, min_length=1, max_length=100)
    ttl_s: int | None = Field(None, ge=1, le=3600)


class PhaseBody(Body):
    phase: str | None = Field(min_length=1, max_length=100)


class TokenBody(Body):
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.@-]*$")
    role: Literal["admin", "operator", "viewer", "worker"]


class DeployEnterBody(BaseModel):
    """The deploy API's body, as CI pipelines already send it (extra fields are ignored)."""

    reason: str | None = None
    timeoutMs: int = Field(300_000, ge=0, le=3_600_000)
