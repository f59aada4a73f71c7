"""Per-check cost of ``pitstop.sdk.Gate.allows`` against django-maintenance-mode's
``maintenance_mode.core.get_maintenance_mode()`` (its default file backend), in one run.

The gate holds a realistic state: a target covered by the platform, with an upcoming gating
window (so the check walks its rules, with and without an expected duration). The baseline
reads its state file on every call, as that library does. Both answer "not in maintenance".

    pip install -e '.[bench]' && python bench/gate_check.py

Aim: the gate at least 20x faster.
"""

from __future__ import annotations

import tempfile
import time
import timeit
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pitstop.sdk.gate import Gate
from pitstop.sdk.gate_state import TargetState

CALLS = 200_000
ROUNDS = 5


def _gate() -> Gate:
    now = datetime.now(UTC)
    doc = {"target": "node:web-1", "switches": [], "windows": [{
        "window": 1, "occurrence": 7, "title": "DB patch", "source": "platform",
        "start": (now + timedelta(hours=3)).isoformat(), "status": "SCHEDULED",
        "end": (now + timedelta(hours=4)).isoformat(), "paused": False}]}
    gate = Gate(["node:web-1"], url="http://127.0.0.1:9")  # never started: no network
    gate._states = {"node:web-1": TargetState(doc)}
    gate._mode, gate._fresh_until, gate._synced_at = "stream", float("inf"), time.monotonic()
    return gate


def _django(state_dir: Path):  # type: ignore[no-untyped-def]
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["maintenance_mode"],
        MAINTENANCE_MODE_STATE_FILE_PATH=str(state_dir / "maintenance_mode_state.txt"))
    django.setup()
    from maintenance_mode.core import get_maintenance_mode, set_maintenance_mode

    set_maintenance_mode(False)
    return get_maintenance_mode


def _per_call_ns(fn) -> float:  # type: ignore[no-untyped-def]
    times = timeit.repeat(fn, number=CALLS, repeat=ROUNDS)
    return min(times) / CALLS * 1e9


def main() -> None:
    gate = _gate()
    assert gate.allows("node:web-1") and not gate.allows("node:web-1", 4 * 3600)
    with tempfile.TemporaryDirectory() as tmp:
        get_maintenance_mode = _django(Path(tmp))
        assert get_maintenance_mode() is False
        baseline = _per_call_ns(get_maintenance_mode)
        plain = _per_call_ns(lambda: gate.allows("node:web-1"))
        horizon = _per_call_ns(lambda: gate.allows("node:web-1", 600))
    print(f"{'django-maintenance-mode get_maintenance_mode()':<48} {baseline:9.0f} ns/call")
    print(f"{'pitstop Gate.allows(target)':<48} {plain:9.0f} ns/call")
    print(f"{'pitstop Gate.allows(target, expected_duration)':<48} {horizon:9.0f} ns/call")
    print(f"ratio baseline / gate = {baseline / plain:.0f}x "
          f"({baseline / horizon:.0f}x with the horizon check); aim >= 20x")


if __name__ == "__main__":
    main()
