"""The compatible deploy API's answers (/admin/maintenance/*): camelCase, field for field
as CI pipelines already read them (``api.deploy.deploy_status``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape


class DeployStatus(Shape):
    maintenanceMode: bool
    reason: str | None = Field(description="why the platform is in maintenance")
    enteredAt: datetime | None = Field(description="when (UTC, milliseconds)")
    safeToDeploy: bool = Field(description="nothing in flight")
    currentPhase: str = Field(description="`idle`, or the most common phase in flight")
    pendingMarkets: int = Field(ge=0, description="how much work is in flight")
    estimatedWaitMs: int = Field(ge=0, description="until the work in flight should end "
                                 "(0 when unknown)")


class DeployResult(Shape):
    success: Literal[True]
    message: str
    status: DeployStatus


class DeployError(Shape):
    """This API's own error shape (401, 409, 500 and 503 are answered in it)."""

    error: str = Field(description="the HTTP reason phrase, such as `Unauthorized`")
    message: str
