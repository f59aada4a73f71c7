"""The pure rules of windows: selectors, impacts, in-progress, admission horizon, display."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.domain.lifecycle import Status
from pitstop.domain.windows import (
    Impact,
    OccurrenceTimes,
    Realtime,
    WindowRules,
    displayed_status,
    due_steps,
    first_gate_before,
    in_progress,
    next_boundary,
    parse_affects,
    window_causes,
)

T = datetime(2026, 3, 1, 12, tzinfo=UTC)
H = timedelta(hours=1)
LABELS = {"node:a": {"region": "eu", "tier": "db"}, "platform": {}}


def rules(affects: list[dict], *, gates: bool = True, status: str = "ACTIVE") -> WindowRules:
    return WindowRules(1, "patching", "ops", gates, status, parse_affects(affects), H)


def occ(start: datetime, end: datetime, status: Status = Status.SCHEDULED, oid: int = 1
        ) -> OccurrenceTimes:
    return OccurrenceTimes(oid, 1, start, start, end, status)


@pytest.mark.parametrize(("selector", "matches"), [
    ("node:a", True), ("node:b", False), ("platform", True),
    ({"labels": {"region": "eu"}}, True), ({"labels": {"region": "eu", "tier": "db"}}, True),
    ({"labels": {"region": "us"}}, False), ({"labels": {"region": "eu", "tier": "web"}}, False),
])
def test_selectors_match_by_id_label_or_platform(selector, matches):
    hit = rules([{"selector": selector}]).impact_on("node:a", LABELS)
    assert (hit is not None) is matches


def test_the_most_severe_selector_wins_within_a_window():
    r = rules([{"selector": "platform", "impact": "DEGRADED"},
               {"selector": {"labels": {"region": "eu"}}, "impact": "DOWN"}])
    assert r.impact_on("node:a", LABELS) == (Impact.DOWN, "node:a")


@pytest.mark.parametrize(("raw", "words"), [
    ([], "at least one"),
    ([{"selector": "box:1"}], "affects[0].selector"),
    ([{"selector": {"labels": {}}}], "at least one label"),
    ([{"selector": "node:a", "impact": "OOPS"}], "affects[0].impact"),
])
def test_bad_affects_say_which_entry(raw, words):
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        parse_affects(raw)


def test_in_progress_is_exact_to_the_instant_and_ignores_ended_by_hand():
    r = rules([{"selector": "platform"}])
    o = occ(T, T + H)
    assert not in_progress(o, r, T - timedelta(microseconds=1))
    assert in_progress(o, r, T) and in_progress(o, r, T + H - timedelta(microseconds=1))
    assert not in_progress(o, r, T + H)
    assert not in_progress(occ(T, T + H, Status.CANCELLED), r, T)
    paused = rules([{"selector": "platform"}], status="PAUSED")
    assert not in_progress(o, paused, T)
    assert in_progress(occ(T, T + H, Status.ONGOING), paused, T)  # started: it runs on


def test_window_causes_name_the_window_and_its_end():
    [cause] = window_causes("node:a", LABELS, [(occ(T, T + H), rules([{"selector": "platform"}]))],
                            T)
    assert (cause.kind, cause.source, cause.until, cause.window) == (
        "window", "platform", T + H, 1)
    assert window_causes("node:a", LABELS, [(occ(T, T + H), rules(
        [{"selector": "platform"}], gates=False))], T) == []


def test_admission_horizon_finds_the_first_gating_start_before_the_work_ends():
    r = rules([{"selector": "node:a"}])
    pairs = [(occ(T + 2 * H, T + 3 * H, oid=2), r), (occ(T + H, T + 2 * H, oid=1), r)]
    assert first_gate_before("node:a", LABELS, pairs, T, T + 30 * timedelta(minutes=1)) is None
    hit = first_gate_before("node:a", LABELS, pairs, T, T + 5 * H)
    assert hit is not None and hit[0].id == 1
    assert first_gate_before("node:b", LABELS, pairs, T, T + 5 * H) is None


@given(st.lists(st.sampled_from(list(Impact)), max_size=6),
       st.none() | st.sampled_from(list(Realtime)), st.randoms())
def test_displayed_status_does_not_depend_on_order(impacts, realtime, rnd):
    shuffled = list(impacts)
    rnd.shuffle(shuffled)
    assert displayed_status(realtime, impacts) == displayed_status(realtime, shuffled)


def test_displayed_status_prefers_the_worst_impact_then_realtime():
    assert displayed_status(Realtime.DOWN, [Impact.MAINTENANCE, Impact.DEGRADED]) == "DEGRADED"
    assert displayed_status(Realtime.DOWN, []) == "DOWN"
    assert displayed_status(None, []) == "UNKNOWN"
    assert displayed_status(Realtime.UP, [Impact.DOWN, Impact.MAINTENANCE]) == "DOWN"


def test_paused_occurrences_wait_and_are_cancelled_once_their_end_passes():
    paused = rules([{"selector": "platform"}], status="PAUSED")
    o = occ(T, T + H, Status.READY)
    assert next_boundary(o, paused) == T + H
    assert due_steps(o, paused, T + timedelta(minutes=5)) == []
    [step] = due_steps(o, paused, T + H + timedelta(minutes=5))
    assert (step.to, step.late) == (Status.CANCELLED, True)
