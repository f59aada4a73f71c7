"""effective_state and drain_status: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pitstop.domain.drain import IDLE, LeaseView, drain_status, p90
from pitstop.domain.state import Switch, effective_state
from pitstop.domain.targets import parse_target, validate_reason

T = datetime(2026, 1, 1, tzinfo=UTC)


def switch(target: str, minutes: int | None = None) -> Switch:
    expires = T + timedelta(minutes=minutes) if minutes is not None else None
    return Switch.single(target, f"{target} work", "ops", T, expires)


def lease(i: int, target: str = "node:a", **kw: object) -> LeaseView:
    base = {"id": f"l{i}", "target": target, "kind": "job", "holder": "h", "phase": None,
            "acquired_at": T, "expected_end": None, "expires_at": T + timedelta(hours=1)}
    return LeaseView(**{**base, **kw})  # type: ignore[arg-type]


def test_platform_switch_covers_nodes_and_own_switch_adds_a_cause():
    state = effective_state("node:a", {"platform": switch("platform"),
                                       "node:a": switch("node:a", 30)}, T)
    assert state.in_maintenance
    assert [c.source for c in state.causes] == ["node:a", "platform"]
    assert state.until is None  # platform's switch has no end


def test_until_is_the_last_end_when_all_are_known():
    state = effective_state("node:a", {"platform": switch("platform", 10),
                                       "node:a": switch("node:a", 30)}, T)
    assert state.until == T + timedelta(minutes=30)
    assert state.retry_after_s(T) == 1800


def test_expired_switch_no_longer_counts():
    assert not effective_state("platform", {"platform": switch("platform", 1)},
                               T + timedelta(minutes=1)).in_maintenance


def test_other_nodes_switches_do_not_matter():
    assert not effective_state("node:a", {"node:b": switch("node:b")}, T).in_maintenance


@given(st.lists(st.sampled_from(["platform", "node:a", "node:b", "service:x"]), unique=True),
       st.sampled_from(["platform", "node:a", "node:b", "service:x"]))
def test_in_maintenance_iff_own_or_platform_switch(on, target):
    state = effective_state(target, {t: switch(t) for t in on}, T)
    assert state.in_maintenance == (target in on or "platform" in on)


def test_drain_counts_leases_under_the_target_only():
    leases = [lease(1), lease(2, "node:b"), lease(3, "platform")]
    assert drain_status(target="node:a", in_maintenance=True, leases=leases, now=T,
                        typical={}).in_flight == 1
    assert drain_status(target="platform", in_maintenance=True, leases=leases, now=T,
                        typical={}).in_flight == 3


def test_safe_only_in_maintenance_with_nothing_in_flight():
    idle = drain_status(target="node:a", in_maintenance=False, leases=[], now=T, typical={})
    assert not idle.safe_to_deploy and idle.current_phase == IDLE
    assert drain_status(target="node:a", in_maintenance=True, leases=[], now=T,
                        typical={}).safe_to_deploy


def test_phase_is_the_most_common_then_the_oldest():
    leases = [lease(1, phase="betting", acquired_at=T),
              lease(2, phase="fighting", acquired_at=T + timedelta(seconds=1)),
              lease(3, phase="fighting", acquired_at=T + timedelta(seconds=2))]
    status = drain_status(target="node:a", in_maintenance=True, leases=leases, now=T,
                          typical={})
    assert status.current_phase == "fighting"
    assert status.phases == {"betting": 1, "fighting": 2}


def test_wait_is_the_longest_known_wait():
    leases = [lease(1, expected_end=T + timedelta(seconds=20)),
              lease(2, kind="deploy"), lease(3, kind="unknown")]
    status = drain_status(target="node:a", in_maintenance=True, leases=leases,
                          now=T + timedelta(seconds=5), typical={"deploy": 60.0})
    assert status.estimated_wait_ms == 55_000


def test_p90_nearest_rank():
    assert p90([]) is None
    assert p90([5.0]) == 5.0
    assert p90([float(x) for x in range(1, 11)]) == 9.0


def test_target_names():
    assert str(parse_target("node:web-1.eu_2")) == "node:web-1.eu_2"
    for bad in ("node:", "node:A", "x:y", "node:" + "a" * 64, "platform:x"):
        try:
            parse_target(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_reason_is_trimmed():
    assert validate_reason("  why  ") == "why"
