"""Windows as the rest of the system sees them: what they affect, when they gate work, and the
status a service displays. Pure: no I/O, time is a parameter.

An occurrence counts as *in progress* at an instant when its times contain it and it has not
ended by hand (COMPLETED or CANCELLED), so gating is exact to the instant whatever the
scheduler's lag; the scheduler only records the transitions. A paused window's occurrences
that have not started do not start.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pitstop.domain.lifecycle import TERMINAL, Slot, Status, Step, catch_up
from pitstop.domain.state import Cause
from pitstop.domain.targets import parse_target, scope_of, validate_labels


class Impact(StrEnum):
    MAINTENANCE = "MAINTENANCE"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


class Realtime(StrEnum):
    UP = "UP"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"


SEVERITY = {Impact.MAINTENANCE: 1, Impact.DEGRADED: 2, Impact.DOWN: 3}
ACTIVE, PAUSED = "ACTIVE", "PAUSED"
NOT_ENDED = frozenset({Status.SCHEDULED, Status.READY, Status.ONGOING})


@dataclass(frozen=True, slots=True)
class Selector:
    """A target id, or a label match (every given label equal), with the impact on it."""

    target: str | None
    labels: tuple[tuple[str, str], ...] | None
    impact: Impact

    def matches(self, target_id: str, labels: Mapping[str, str]) -> bool:
        if self.target is not None:
            return self.target == target_id
        return all(labels.get(k) == v for k, v in self.labels or ())

    def to_json(self) -> dict[str, Any]:
        selector: Any = self.target if self.target is not None else {
            "labels": dict(self.labels or ())}
        return {"selector": selector, "impact": str(self.impact)}


def parse_affects(raw: Iterable[Mapping[str, Any]]) -> tuple[Selector, ...]:
    """Selectors from their JSON form; ValueError names the entry and what to change."""
    out = []
    for i, item in enumerate(raw):
        where = f"affects[{i}]"
        selector, impact = item.get("selector"), item.get("impact", "MAINTENANCE")
        try:
            impact = Impact(impact)
        except ValueError:
            raise ValueError(f"{where}.impact must be MAINTENANCE, DEGRADED or DOWN "
                             f"(got {impact!r})") from None
        if isinstance(selector, str):
            try:
                out.append(Selector(str(parse_target(selector)), None, impact))
            except ValueError as exc:
                raise ValueError(f"{where}.selector: {exc}") from None
        elif isinstance(selector, Mapping) and set(selector) == {"labels"} \
                and isinstance(selector["labels"], Mapping) and selector["labels"]:
            try:
                labels = validate_labels(dict(selector["labels"]))
            except ValueError as exc:
                raise ValueError(f"{where}.selector.labels: {exc}") from None
            out.append(Selector(None, tuple(sorted(labels.items())), impact))
        else:
            raise ValueError(f"{where}.selector must be a target id such as 'service:api' or "
                             '{"labels": {"region": "eu"}} with at least one label')
    if not out:
        raise ValueError("affects must name at least one target or label selector")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class WindowRules:
    """What gating and display need of a window."""

    id: int
    title: str
    actor: str
    gates_work: bool
    status: str  # ACTIVE | PAUSED
    affects: tuple[Selector, ...]
    ready_lead: timedelta

    @property
    def paused(self) -> bool:
        return self.status == PAUSED

    def impact_on(self, target: str, scope_labels: Mapping[str, Mapping[str, str]]
                  ) -> tuple[Impact, str] | None:
        """The most severe impact this window has on ``target`` and the id it matched
        through (the target itself or the platform that covers it), or None."""
        best: tuple[Impact, str] | None = None
        for source in scope_of(target):
            labels = scope_labels.get(source, {})
            for sel in self.affects:
                if sel.matches(source, labels) and (
                        best is None or SEVERITY[sel.impact] > SEVERITY[best[0]]):
                    best = (sel.impact, source)
        return best


@dataclass(frozen=True, slots=True)
class OccurrenceTimes:
    id: int
    window_id: int
    recurrence_id: datetime
    start: datetime
    end: datetime
    status: Status

    def slot(self, rules: WindowRules) -> Slot:
        return Slot(self.status, self.start, self.end, rules.ready_lead)


def in_progress(occ: OccurrenceTimes, rules: WindowRules, now: datetime) -> bool:
    """True when the occurrence's times contain ``now`` and it has not been ended by hand;
    a paused window's occurrence counts only once it has started."""
    if occ.status not in NOT_ENDED or not occ.start <= now < occ.end:
        return False
    return occ.status is Status.ONGOING or not rules.paused


def window_causes(
    target: str,
    scope_labels: Mapping[str, Mapping[str, str]],
    occurrences: Iterable[tuple[OccurrenceTimes, WindowRules]],
    now: datetime,
) -> list[Cause]:
    """One cause per in-progress occurrence of a gating window that affects ``target``."""
    causes = []
    for occ, rules in occurrences:
        if not rules.gates_work or not in_progress(occ, rules, now):
            continue
        hit = rules.impact_on(target, scope_labels)
        if hit is not None:
            causes.append(Cause("window", hit[1], rules.title, rules.actor, occ.start, occ.end,
                                window=rules.id, occurrence=occ.id))
    return causes


def first_gate_before(
    target: str,
    scope_labels: Mapping[str, Mapping[str, str]],
    occurrences: Iterable[tuple[OccurrenceTimes, WindowRules]],
    now: datetime,
    until: datetime,
) -> tuple[OccurrenceTimes, WindowRules] | None:
    """The earliest gating occurrence on ``target`` that starts after ``now`` and before
    ``until``: work expected to run until ``until`` would run into it (admission horizon)."""
    best = None
    for occ, rules in occurrences:
        if (rules.gates_work and not rules.paused and occ.status in NOT_ENDED
                and now < occ.start < until and rules.impact_on(target, scope_labels)
                and (best is None or occ.start < best[0].start)):
            best = (occ, rules)
    return best


def displayed_status(realtime: Realtime | None, impacts: Iterable[Impact]) -> str:
    """The most severe impact on a service (DOWN > DEGRADED > MAINTENANCE), else its
    realtime status (UNKNOWN before a monitor reports). Independent of the impacts' order."""
    worst = max(impacts, key=SEVERITY.__getitem__, default=None)
    if worst is not None:
        return str(worst)
    return str(realtime) if realtime is not None else "UNKNOWN"



def next_boundary(occ: OccurrenceTimes, rules: WindowRules) -> datetime | None:
    """When the occurrence next changes status by itself (None once terminal). A paused
    window's occurrence that has not started changes only at its end (it is skipped)."""
    if occ.status in TERMINAL:
        return None
    if occ.status is Status.ONGOING or rules.paused:
        return occ.end
    if occ.status is Status.READY:
        return occ.start
    return occ.start - rules.ready_lead


def due_steps(occ: OccurrenceTimes, rules: WindowRules, now: datetime,
              tolerance: timedelta = timedelta(seconds=1)) -> list[Step]:
    """The steps that bring the occurrence to where its times and its window put it.

    A paused window's occurrence that has not started waits; once its end passes it is
    CANCELLED (it never ran), so nothing stays in SCHEDULED or READY after its end.
    """
    if occ.status in TERMINAL:
        return []
    if rules.paused and occ.status is not Status.ONGOING:
        if now < occ.end:
            return []
        return [Step(occ.status, Status.CANCELLED, occ.end, late=now - occ.end > tolerance)]
    return catch_up(occ.slot(rules), now, tolerance=tolerance)
