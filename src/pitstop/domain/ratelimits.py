"""A sliding-window count: at most ``limit`` hits per key within ``window_s``. Pure: the
hits and the time are parameters (storage keeps the hits, shared by every replica)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def admit(hits: Sequence[float], now: float, *, limit: int, window_s: float
          ) -> tuple[list[float], int | None]:
    """The hits to keep (unix seconds, oldest first; with ``now`` when it is admitted) and,
    when it is refused, the whole seconds until the oldest kept hit leaves the window."""
    recent = [h for h in hits if now - h < window_s]
    if len(recent) >= limit:
        return recent, max(1, math.ceil(recent[0] + window_s - now))
    return [*recent, now], None
