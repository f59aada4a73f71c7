"""``services.targets.in_maintenance`` looks only at the targets with a switch of their own
when nothing wider can apply, and answers exactly what working out every target's state
does, whatever happened before (switches on, run out, turned off, targets deleted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.domain.switches import Switch
from pitstop.domain.targets import PLATFORM
from pitstop.services.snapshot import Snapshot, TargetRecord
from pitstop.services.targets import in_maintenance, target_state

T = datetime(2026, 1, 1, tzinfo=UTC)
IDS = (PLATFORM, "node:a", "node:b", "node:c", "service:api")


def record(target: str, version: int, switch: Switch | None) -> TargetRecord:
    kind, _, name = target.partition(":")
    return TargetRecord(target, kind, name or PLATFORM, {}, T, T, version, switch)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, str, int | None]]:
    """(put or delete, target, the switch's end in minutes: None for open-ended; -1: off)."""
    return draw(st.lists(st.tuples(
        st.sampled_from(("put", "put", "put", "delete")), st.sampled_from(IDS),
        st.none() | st.integers(-1, 30)), max_size=25))


@settings(max_examples=200, deadline=None)
@given(histories(), st.integers(0, 40))
def test_it_answers_what_every_targets_state_says(history, minutes) -> None:
    state = Snapshot()
    versions = dict.fromkeys(IDS, 0)
    for action, target, until in history:
        if action == "delete":
            if target != PLATFORM:
                state.targets.pop(target, None)  # as target.deleted does
            continue
        versions[target] += 1
        switch = None if until == -1 else Switch.single(
            target, "r", "me", T, None if until is None else T + timedelta(minutes=until))
        state.put_target(record(target, versions[target], switch))
    now = T + timedelta(minutes=minutes)
    every = {t for t in state.targets if target_state(state, t, now).in_maintenance}
    assert in_maintenance(state, now) == every
    assert in_maintenance(state, now, kind="node") == {t for t in every
                                                        if t.startswith("node:")}
    assert state.switches() == {t: r.switch for t, r in state.targets.items()
                                if r.switch is not None}
