"""Effective maintenance state of a target at an instant: one pure function."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pitstop.domain.targets import scope_of


@dataclass(frozen=True, slots=True)
class Switch:
    """A manual maintenance switch that is on."""

    target: str
    reason: str
    actor: str
    since: datetime
    expires_at: datetime | None = None

    def active_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True, slots=True)
class Cause:
    """One reason a target is in maintenance."""

    kind: str  # "switch" or "window"
    source: str  # the target it applies through, e.g. "platform" for a node it covers
    reason: str  # the switch's reason, or the window's title
    actor: str | None
    since: datetime
    until: datetime | None
    window: int | None = None  # for kind "window": the window and the occurrence
    occurrence: int | None = None

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "source": self.source,
            "reason": self.reason,
            "actor": self.actor,
            "since": self.since,
            "until": self.until,
        }
        if self.kind == "window":
            out["window"], out["occurrence"] = self.window, self.occurrence
        return out


@dataclass(frozen=True, slots=True)
class EffectiveState:
    target: str
    in_maintenance: bool
    causes: tuple[Cause, ...]

    @property
    def until(self) -> datetime | None:
        """When every cause has ended, if all of them have a known end."""
        ends = [c.until for c in self.causes]
        if not ends or any(e is None for e in ends):
            return None
        return max(e for e in ends if e is not None)

    def retry_after_s(self, now: datetime) -> int | None:
        until = self.until
        if until is None:
            return None
        return max(1, int((until - now).total_seconds() + 0.999))


def effective_state(
    target: str, switches: Mapping[str, Switch], now: datetime,
    window_causes: Iterable[Cause] = (),
) -> EffectiveState:
    """In maintenance if the platform's switch or the target's own switch is on at ``now``,
    or a gating window is in progress on it (``window_causes``, from
    :func:`pitstop.domain.windows.window_causes`).

    An expired switch counts as off even before the scheduler records its end, so the answer
    depends only on stored fields and the time.
    """
    causes = list(window_causes)
    for source in scope_of(target):
        switch = switches.get(source)
        if switch is not None and switch.active_at(now):
            causes.append(
                Cause("switch", source, switch.reason, switch.actor, switch.since,
                      switch.expires_at)
            )
    causes.sort(key=lambda c: (c.since, c.source, c.occurrence or 0))
    return EffectiveState(target, bool(causes), tuple(causes))
