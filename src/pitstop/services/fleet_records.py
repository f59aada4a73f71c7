"""What the snapshot keeps of a registered node: its config and what its agent reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pitstop.domain.drain import LeaseView


@dataclass(frozen=True, slots=True)
class Running:
    """One run its agent reports. It stops counting as in flight once recorded lost (its
    node went offline; the agent's next report clears that) or force-released by an admin
    (until the agent reports another run of the workload)."""

    workload: str
    started_at: datetime
    lost_at: datetime | None = None
    released: dict[str, Any] | None = None  # {by, at, reason}

    @property
    def counted(self) -> bool:
        return self.lost_at is None and self.released is None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"workload": self.workload, "started_at": self.started_at}
        if self.lost_at is not None:
            out["lost_at"] = self.lost_at
        if self.released is not None:
            out["released"] = self.released
        return out


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A registered node: its desired config and what its agent last reported."""

    target: str  # node:<name>
    config: dict[str, Any]
    config_updated_at: datetime
    config_updated_by: str
    agent_version: str | None
    running: tuple[Running, ...]
    reported_at: datetime | None
    created_at: datetime
    version: int

    @property
    def name(self) -> str:
        return self.target.split(":", 1)[1]

    def workload_id(self, workload: str) -> str:
        return f"{self.target}/{workload}"

    def workloads_in_flight(self, offline_at: datetime | None) -> list[LeaseView]:
        """What the agent reports running, as in-flight work for the drain: it stops
        counting at ``offline_at`` (see domain.nodes), when recorded lost, or released."""
        return [LeaseView(id=self.workload_id(r.workload), target=self.target,
                          kind="workload", holder=f"agent {self.name}", phase=r.workload,
                          acquired_at=r.started_at, expected_end=None, expires_at=offline_at,
                          node=self.name, last_heartbeat=self.reported_at)
                for r in self.running if r.counted]
