"""When a node is offline: the one rule the fleet page, the drain and the scheduler share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

OFFLINE_AFTER_POLLS = 3


def poll_interval_s(config: Mapping[str, Any], default_s: float) -> float:
    """The node's own ``poll_interval_s`` when its config sets a positive number."""
    value = config.get("poll_interval_s")
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return float(default_s)


def offline_at(last_seen: datetime, interval_s: float) -> datetime:
    """A node unseen for 3 poll intervals is offline from this instant on; the work its
    agent reported stops counting at the same instant."""
    return last_seen + timedelta(seconds=OFFLINE_AFTER_POLLS * interval_s)


def is_offline(last_seen: datetime, interval_s: float, now: datetime) -> bool:
    return now >= offline_at(last_seen, interval_s)
