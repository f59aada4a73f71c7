"""Drain arithmetic: what is in flight under a target, whether it is safe, how long to wait."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pitstop.domain.targets import covers

IDLE = "idle"
RUNNING = "running"
LISTED = 20  # the drain JSON lists this many of the work in flight (``more``: the rest)


@dataclass(frozen=True, slots=True)
class LeaseView:
    id: str
    target: str
    kind: str
    holder: str
    phase: str | None
    acquired_at: datetime
    expected_end: datetime | None
    # A lease's TTL end; for work an agent reports, when its node goes offline.
    expires_at: datetime | None
    node: str | None = None  # set for work an agent reports: the node it runs on
    last_heartbeat: datetime | None = None

    def counts_at(self, now: datetime) -> bool:
        """A lease whose TTL ran out, or work whose node went offline, stops counting even
        before it is recorded as lost."""
        return self.expires_at is None or now < self.expires_at

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id, "target": self.target, "kind": self.kind, "holder": self.holder,
            "phase": self.phase, "acquired_at": self.acquired_at,
            "expected_end": self.expected_end, "expires_at": self.expires_at,
            "reported": self.node is not None, "node": self.node,
            "last_heartbeat": self.last_heartbeat,
        }


@dataclass(frozen=True, slots=True)
class DrainStatus:
    target: str
    in_maintenance: bool
    in_flight: int
    leases: tuple[LeaseView, ...]
    phases: dict[str, int]
    kinds: dict[str, int]
    current_phase: str
    safe_to_deploy: bool
    estimated_wait_ms: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "in_maintenance": self.in_maintenance,
            "in_flight": self.in_flight,
            "phases": self.phases,
            "kinds": self.kinds,
            "current_phase": self.current_phase,
            "safe_to_deploy": self.safe_to_deploy,
            "estimated_wait_ms": self.estimated_wait_ms,
            "leases": [lease.to_json() for lease in self.leases[:LISTED]],
            "more": max(0, self.in_flight - LISTED),
        }


def p90(durations: Sequence[float]) -> float | None:
    """The 90th percentile (nearest rank) of past durations, or None without any."""
    if not durations:
        return None
    ordered = sorted(durations)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def order_key(lease: LeaseView) -> tuple[datetime, str]:
    """Oldest first: how work in flight is listed, and which breaks a tie of phases."""
    return lease.acquired_at, lease.id


def wait_ms(lease: LeaseView, now: datetime, typical: Mapping[str, float]) -> int | None:
    """How long ``lease`` should still run: to its expected end, else to the p90 of its
    kind (``typical``); None when neither is known. Grows with either end."""
    if lease.expected_end is not None:
        end = lease.expected_end
    elif lease.kind in typical:
        end_s = lease.acquired_at.timestamp() + typical[lease.kind]
        return max(0, int((end_s - now.timestamp()) * 1000))
    else:
        return None
    return max(0, int((end - now).total_seconds() * 1000))


def drain_status(
    *,
    target: str,
    in_maintenance: bool,
    leases: Iterable[LeaseView],
    now: datetime,
    typical: Mapping[str, float],
) -> DrainStatus:
    """Drain status of ``target`` from the leases on it and under it.

    1. Keep the leases that count at ``now`` and that ``target`` covers (platform covers all).
    2. ``safe_to_deploy``: in maintenance and nothing in flight.
    3. The estimated wait is the longest of the leases' waits: each from its expected end, else
       from the p90 of past durations of its kind (``typical``); ``None`` when no lease has either.
    4. ``current_phase`` is ``idle`` with nothing in flight, else the most common reported phase
       (ties go to the oldest lease's), ``running`` for leases that report none.
    """
    mine = sorted(
        (lease for lease in leases if lease.counts_at(now) and covers(target, lease.target)),
        key=order_key,
    )
    phases = Counter(lease.phase or RUNNING for lease in mine)
    kinds = Counter(lease.kind for lease in mine)
    waits = [w for w in (wait_ms(lease, now, typical) for lease in mine) if w is not None]
    if not mine:
        current, estimate = IDLE, 0
    else:
        top = max(phases.values())
        current = next(p for p in (lease.phase or RUNNING for lease in mine) if phases[p] == top)
        estimate = max(waits) if waits else None
    return DrainStatus(
        target=target,
        in_maintenance=in_maintenance,
        in_flight=len(mine),
        leases=tuple(mine),
        phases=dict(sorted(phases.items())),
        kinds=dict(sorted(kinds.items())),
        current_phase=current,
        safe_to_deploy=in_maintenance and not mine,
        estimated_wait_ms=estimate,
    )
