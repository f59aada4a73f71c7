"""The lease index answers the platform's drain and a target's leases exactly as the plain
rule (domain.drain.drain_status over every lease) does, whatever happened before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.domain.drain import LISTED, LeaseView, drain_status
from pitstop.domain.targets import PLATFORM
from pitstop.services.lease_index import LeaseIndex

T = datetime(2026, 1, 1, tzinfo=UTC)
TARGETS = ("node:a", "node:b", "service:api")


def seconds(n: int) -> datetime:
    return T + timedelta(seconds=n)


@st.composite
def leases(draw: st.DrawFn, i: int) -> LeaseView:
    expected = draw(st.none() | st.integers(0, 600))
    return LeaseView(
        id=f"l{i}", target=draw(st.sampled_from(TARGETS)),
        kind=draw(st.sampled_from(("build", "deploy", "test"))),
        holder="h", phase=draw(st.sampled_from((None, "compile", "upload"))),
        acquired_at=seconds(draw(st.integers(0, 300))),
        expected_end=None if expected is None else seconds(expected),
        expires_at=seconds(draw(st.integers(0, 600))))


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, LeaseView]]:
    """Acquisitions, heartbeats (a later expiry, maybe another phase) and ends."""
    steps: list[tuple[str, LeaseView]] = []
    live: dict[str, LeaseView] = {}
    for i in range(draw(st.integers(0, 40))):
        action = draw(st.sampled_from(("put", "put", "beat", "end")))
        if action == "put" or not live:
            lease = draw(leases(i))
        else:
            lease = live[draw(st.sampled_from(sorted(live)))]
            if action == "beat":
                lease = replace(lease, expires_at=lease.expires_at + timedelta(seconds=draw(
                    st.integers(0, 300))), phase=draw(st.sampled_from((lease.phase, "verify"))))
        steps.append(("end" if action == "end" and lease.id in live else "put", lease))
        if steps[-1][0] == "end":
            live.pop(lease.id)
        else:
            live[lease.id] = lease
    return steps


def replay(steps: list[tuple[str, LeaseView]], bulk: int = 0
           ) -> tuple[LeaseIndex, dict[str, LeaseView]]:
    """The steps applied in turn; with ``bulk``, the first ``bulk`` steps' leases as loaded
    at a start (one put_many), if those steps are all puts."""
    index, live = LeaseIndex(), {}
    first = steps[:bulk]
    if first and all(action == "put" for action, _ in first):
        index.put_many(lease for _, lease in first)
        live.update((lease.id, lease) for _, lease in first)
        steps = steps[bulk:]
    for action, lease in steps:
        if action == "end":
            index.drop(live.pop(lease.id))
        else:
            index.put(lease)
            live[lease.id] = lease
    return index, live


@settings(max_examples=300, deadline=None)
@given(histories(), st.integers(0, 700), st.booleans(),
       st.dictionaries(st.sampled_from(("build", "deploy", "test")), st.floats(1, 900)),
       st.lists(leases(1000), max_size=3, unique_by=lambda x: x.acquired_at),
       st.integers(0, 40))
def test_platform_drain_is_the_plain_rule_over_every_lease(steps, at, in_maintenance,
                                                            typical, reported, bulk):
    index, live = replay(steps, bulk)
    reported = [replace(r, id=f"r{n}", node="a") for n, r in enumerate(reported)]
    now = seconds(at)
    plain = drain_status(target=PLATFORM, in_maintenance=in_maintenance,
                         leases=[*live.values(), *reported], now=now, typical=typical)
    fast = index.platform_drain(in_maintenance=in_maintenance, now=now, typical=typical,
                                reported=reported)
    assert fast.to_json() == plain.to_json()
    assert fast.leases == plain.leases[:LISTED]
    assert (fast.in_flight, fast.current_phase, fast.safe_to_deploy) == (
        plain.in_flight, plain.current_phase, plain.safe_to_deploy)


@settings(max_examples=200, deadline=None)
@given(histories(), st.integers(0, 40))
def test_leases_by_target_and_the_next_expiry_follow_every_change(steps, bulk):
    index, live = replay(steps, bulk)
    for target in TARGETS:
        assert sorted(x.id for x in index.on(target)) == sorted(
            x.id for x in live.values() if x.target == target)
    assert index.next_expiry() == min((x.expires_at for x in live.values()), default=None)


def test_many_heartbeats_keep_the_heaps_small():
    index = LeaseIndex()
    lease = LeaseView(id="l1", target="node:a", kind="job", holder="h", phase=None,
                      acquired_at=T, expected_end=None, expires_at=seconds(1))
    for n in range(10_000):
        index.put(replace(lease, expires_at=seconds(n + 1)))
    assert index.next_expiry() == seconds(10_000)
    assert len(index._expiry.items) < 200
