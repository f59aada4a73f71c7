"""The only source of the current time.

Everything that needs "now" calls :func:`now`; tests freeze and advance it. The value is
always a timezone-aware UTC datetime.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, tz-aware UTC (frozen in tests)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (tz-aware) until :func:`unfreeze`."""
    if at.tzinfo is None:
        raise ValueError("freeze() needs a timezone-aware datetime")
    global _frozen
    _frozen = at.astimezone(UTC)


def advance(delta: timedelta | float) -> datetime:
    """Move a frozen clock forward by ``delta`` (a timedelta or seconds)."""
    if _frozen is None:
        raise RuntimeError("advance() needs a frozen clock")
    if not isinstance(delta, timedelta):
        delta = timedelta(seconds=delta)
    freeze(_frozen + delta)
    return _frozen  # type: ignore[return-value]


def unfreeze() -> None:
    global _frozen
    _frozen = None


def is_frozen() -> bool:
    return _frozen is not None


def monotonic() -> float:
    """Seconds on a monotonic clock, for elapsed time (uptime, intervals); never frozen."""
    return time.monotonic()
