"""A target's manual maintenance switch and who holds it.

A switch is on while at least one hold is. Each hold is one party's reason for the
maintenance: who, why, what the public may read, since when, until when. Tools that enter on
someone's behalf (``pitstop deploy``, the SDK) take a hold under a key of their own, so they
can end exactly what they started: the maintenance ends when its last hold is released, or
when an admin ends it for all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Hold:
    """One holder's part in a switch. ``key`` is "" for the actor's own hold; a tool names
    its own (``deploy-3f9a``), so the same token can hold twice, for two reasons."""

    actor: str
    reason: str
    since: datetime
    expires_at: datetime | None = None
    public_message: str | None = None
    key: str = ""

    @property
    def ident(self) -> tuple[str, str]:
        return (self.actor, self.key)

    def active_at(self, now: datetime) -> bool:
        return self.expires_at is None or now < self.expires_at

    def describe(self) -> str:
        name = f"{self.actor} ({self.key})" if self.key else self.actor
        return f"{name}: {self.reason!r}"


@dataclass(frozen=True, slots=True)
class Switch:
    """A manual maintenance switch that is on, with its holds in the order they were taken."""

    target: str
    holds: tuple[Hold, ...]

    @classmethod
    def single(cls, target: str, reason: str, actor: str, since: datetime,
               expires_at: datetime | None = None, public_message: str | None = None) -> Switch:
        return cls(target, (Hold(actor, reason, since, expires_at, public_message),))

    @property
    def first(self) -> Hold:
        return self.holds[0]

    @property
    def reason(self) -> str:
        return self.first.reason

    @property
    def actor(self) -> str:
        return self.first.actor

    @property
    def since(self) -> datetime:
        return self.first.since

    @property
    def expires_at(self) -> datetime | None:
        """When the switch ends by itself: when its last hold expires (None if one never
        does)."""
        ends = [h.expires_at for h in self.holds]
        if any(e is None for e in ends):
            return None
        return max(e for e in ends if e is not None)

    @property
    def next_expiry(self) -> datetime | None:
        """The first moment a hold expires (the scheduler's boundary)."""
        return min((h.expires_at for h in self.holds if h.expires_at is not None), default=None)

    @property
    def public_message(self) -> str | None:
        """What the public may read: the newest hold's public message, if any gave one."""
        return next((h.public_message for h in reversed(self.holds) if h.public_message),
                    None)

    def active_at(self, now: datetime) -> bool:
        return any(h.active_at(now) for h in self.holds)

    def held_by(self, actor: str, key: str) -> Hold | None:
        return next((h for h in self.holds if h.ident == (actor, key)), None)


class Change(StrEnum):
    """What taking or releasing a hold did to the switch."""

    ENTERED = "entered"  # the switch went on
    JOINED = "joined"  # a hold was added to a switch that was on
    UNCHANGED = "unchanged"  # the same hold was already there
    LEFT = "left"  # a hold was released; others keep the switch on
    EXITED = "exited"  # the last hold was released: the switch went off
    NOT_HELD = "not_held"  # the caller holds nothing on a switch that others keep on
    OFF = "off"  # the switch was not on


def live(switch: Switch | None, now: datetime) -> Switch | None:
    """The switch without its expired holds; None when none is left."""
    if switch is None:
        return None
    holds = tuple(h for h in switch.holds if h.active_at(now))
    return replace(switch, holds=holds) if holds else None


def expired(switch: Switch | None, now: datetime) -> tuple[Hold, ...]:
    return tuple(h for h in switch.holds if not h.active_at(now)) if switch else ()


def take(switch: Switch | None, hold: Hold, target: str, now: datetime
         ) -> tuple[Switch, Change]:
    """Add ``hold`` to the live switch (expired holds are dropped first)."""
    current = live(switch, now)
    if current is None:
        return Switch(target, (hold,)), Change.ENTERED
    if current.held_by(*hold.ident) is not None:
        return current, Change.UNCHANGED
    return replace(current, holds=(*current.holds, hold)), Change.JOINED


def release(switch: Switch | None, actor: str, key: str, now: datetime, *, every: bool = False
            ) -> tuple[Switch | None, Change, tuple[Hold, ...]]:
    """Release the caller's hold, or with ``every`` all of them (an admin's decision).

    Returns the switch after, what happened, and the holds released.
    """
    current = live(switch, now)
    if current is None:
        return None, Change.OFF, ()
    if every:
        return None, Change.EXITED, current.holds
    mine = current.held_by(actor, key)
    if mine is None:
        return current, Change.NOT_HELD, ()
    rest = tuple(h for h in current.holds if h is not mine)
    if not rest:
        return None, Change.EXITED, (mine,)
    return replace(current, holds=rest), Change.LEFT, (mine,)
