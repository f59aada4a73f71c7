"""Effective maintenance state of a target at an instant: one pure function."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from pitstop.domain.switches import Hold, Switch, live
from pitstop.domain.targets import scope_of

__all__ = ["Cause", "EffectiveState", "Switch", "effective_state"]


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
    holds: tuple[Hold, ...] = ()  # for kind "switch": everyone holding it, oldest first
    public_message: str | None = None  # what the public may read (never the reason)

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
        else:
            out["public_message"] = self.public_message
            out["holders"] = [hold_json(h) for h in self.holds]
        return out


def hold_json(hold: Hold) -> dict[str, object]:
    return {"actor": hold.actor, "hold": hold.key or None, "reason": hold.reason,
            "public_message": hold.public_message, "since": hold.since,
            "expires_at": hold.expires_at}


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
        switch = live(switches.get(source), now)
        if switch is not None:
            causes.append(
                Cause("switch", source, switch.reason, switch.actor, switch.since,
                      switch.expires_at, holds=switch.holds,
                      public_message=switch.public_message)
            )
    causes.sort(key=lambda c: (c.since, c.source, c.occurrence or 0))
    return EffectiveState(target, bool(causes), tuple(causes))


NEUTRAL_PUBLIC_TEXT = "Maintenance in progress"


def public_text(causes: Iterable[Cause], public_windows: Iterable[int]) -> str | None:
    """What the public may read about why a target is in maintenance: a switch's public
    message or a public window's title, never an operator's reason; a neutral text when
    there is a cause but nothing public to say, None when there is no cause."""
    causes = tuple(causes)
    if not causes:  # the usual answer, and /health's hot path: no look at the windows
        return None
    public = set(public_windows)
    texts = (c.public_message if c.kind == "switch" else c.reason if c.window in public
             else None for c in causes)
    return next((t for t in texts if t), NEUTRAL_PUBLIC_TEXT)
