"""The lifecycle table, transition() and catch_up()."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pitstop.domain.lifecycle import (
    ALLOWED,
    Slot,
    Status,
    catch_up,
    initial_status,
    transition,
)
from pitstop.errors import InvalidTransition

T = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
SLOT = Slot(Status.SCHEDULED, T, T + 60 * MIN, 60 * MIN)


def at(status: Status) -> Slot:
    return Slot(status, SLOT.start, SLOT.end, SLOT.ready_lead)


@pytest.mark.parametrize("frm", list(Status))
@pytest.mark.parametrize("to", list(Status))
def test_only_the_table_moves(frm, to):
    if to in ALLOWED[frm]:
        assert transition(at(frm), to, T).status is to
    else:
        with pytest.raises(InvalidTransition):
            transition(at(frm), to, T)


def test_terminal_states_say_they_are_final():
    with pytest.raises(InvalidTransition, match="final"):
        transition(at(Status.COMPLETED), Status.CANCELLED, T)


def test_complete_early_and_cancel_while_ongoing_move_the_end_to_now():
    now = T + 10 * MIN
    assert transition(at(Status.ONGOING), Status.COMPLETED, now).end == now
    assert transition(at(Status.ONGOING), Status.CANCELLED, now).end == now
    cancelled = transition(at(Status.READY), Status.CANCELLED, now - 30 * MIN)
    assert (cancelled.start, cancelled.end) == (SLOT.start, SLOT.end)


def test_catch_up_after_downtime_walks_every_step_marked_late():
    steps = catch_up(SLOT, T + 2 * 60 * MIN)
    assert [(s.from_, s.to, s.late) for s in steps] == [
        (Status.SCHEDULED, Status.READY, True),
        (Status.READY, Status.ONGOING, True),
        (Status.ONGOING, Status.COMPLETED, True),
    ]
    assert [s.at for s in steps] == [T - 60 * MIN, T, T + 60 * MIN]


def test_on_time_steps_are_not_late():
    steps = catch_up(at(Status.READY), T + timedelta(milliseconds=400))
    assert [(s.to, s.late) for s in steps] == [(Status.ONGOING, False)]
    assert catch_up(at(Status.READY), T - MIN) == []
    assert catch_up(at(Status.CANCELLED), T + 5 * 60 * MIN) == []


@pytest.mark.parametrize(("now", "status"), [
    (T - 2 * 60 * MIN, Status.SCHEDULED), (T - 30 * MIN, Status.READY),
    (T + 30 * MIN, Status.ONGOING),
])
def test_new_occurrences_start_where_their_times_put_them(now, status):
    assert initial_status(SLOT, now) is status
