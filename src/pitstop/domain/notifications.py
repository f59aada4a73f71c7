"""What notifies whom, and when to try again. Pure: no I/O, time and randomness are parameters.

A notification is derived from a domain event in the log. It carries a *dedupe key* that names
the fact it reports (this occurrence went ONGOING at this start), not the event that reported
it, so the same transition handled twice — by two workers, or by a retry — yields one outbox
row per channel.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pitstop.domain.targets import scope_of

KINDS = ("maintenance_entered", "maintenance_exited", "scheduled", "reminder", "starting_soon",
         "in_progress", "completed", "cancelled", "rescheduled", "maintenance_update")

# What a subscription that names no kinds gets: "scheduled" (a new window) came later and is
# asked for by name, so operators' existing channels do not start hearing of every new window.
DEFAULT_KINDS = tuple(k for k in KINDS if k != "scheduled")

# The occurrence status each transition notification reports.
STATUS_KINDS = {"READY": "starting_soon", "ONGOING": "in_progress", "COMPLETED": "completed",
                "CANCELLED": "cancelled"}


@dataclass(frozen=True, slots=True)
class Notification:
    """One thing to tell subscribers; ``targets`` and ``selectors`` say what it concerns.
    ``subject`` names what the fact is about (``target:<id>``, ``window:<id>``): a channel
    gets one subject's notifications in the order of the facts."""

    kind: str
    dedupe_key: str
    subject: str
    message: dict[str, Any]
    window_id: int | None = None
    targets: tuple[str, ...] = ()
    label_selectors: tuple[tuple[tuple[str, str], ...], ...] = ()
    # What public subscribers' channels get instead of ``message`` (public text only: no
    # reason, no actor, no node), by language (each subscriber reads theirs; English for
    # one without, or with a language the server no longer has); None: nothing for them.
    public: Mapping[str, dict[str, Any]] | None = None

    def public_in(self, language: str | None) -> dict[str, Any] | None:
        if self.public is None:
            return None
        return self.public.get(language or "en") or self.public.get("en")


@dataclass(frozen=True, slots=True)
class SubscriptionRule:
    id: str
    channel_id: str
    events: frozenset[str]
    target: str | None = None
    window_id: int | None = None
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def wants(self, note: Notification, labels: Mapping[str, Mapping[str, str]]) -> bool:
        """True when the kind is chosen and the target or window (if given) is concerned.

        A subscription to ``service:api`` hears of the platform's maintenance (it covers
        every target) and of windows that select the service by id or by its labels."""
        if note.kind not in self.events:
            return False
        if self.window_id is not None and note.window_id != self.window_id:
            return False
        if self.target is None:
            return True
        return _concerns(note, self.target, labels)


def _concerns(note: Notification, target: str, labels: Mapping[str, Mapping[str, str]]
              ) -> bool:
    for source in scope_of(target):
        if source in note.targets:
            return True
        own = labels.get(source, {})
        if any(all(own.get(k) == v for k, v in sel) for sel in note.label_selectors):
            return True
    return False


def needs_labels(rules: Iterable[SubscriptionRule], notes: Iterable[Notification]) -> bool:
    """Whether matching needs the targets' labels (a label selector meets a target filter)."""
    return any(n.label_selectors for n in notes) and any(r.target for r in rules)


def retry_delay(attempt: int, *, base_s: float, max_s: float, rng: random.Random
                ) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1-based): exponential, capped, with
    "equal jitter" (half fixed, half random) so retries from many deliveries spread out."""
    ceiling = min(max_s, base_s * 2 ** min(attempt - 1, 40))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))
