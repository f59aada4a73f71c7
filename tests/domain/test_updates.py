"""Which maintenance takes an update, and its phase: pure rules, time as a parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pitstop.domain.lifecycle import Status
from pitstop.domain.updates import occurrence_phase, target_phase, validate_body
from pitstop.errors import InvalidInput, InvalidTransition

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(("status", "start", "phase"), [
    (Status.SCHEDULED, NOW + HOUR, "scheduled"), (Status.READY, NOW + HOUR / 2, "scheduled"),
    (Status.ONGOING, NOW - HOUR / 2, "in_progress"),
])
def test_an_occurrence_not_over_takes_an_update_with_its_phase(status, start, phase):
    assert occurrence_phase(status, start, start + HOUR, NOW, None) == phase
    assert occurrence_phase(status, start, start + HOUR, NOW, "verifying") == "verifying"


@pytest.mark.parametrize(("status", "end", "says"), [
    (Status.COMPLETED, NOW - HOUR, "completed"), (Status.CANCELLED, NOW + HOUR, "cancelled"),
    (Status.ONGOING, NOW, "over"),  # its end has come, the scheduler has not moved it yet
])
def test_an_occurrence_that_is_over_takes_none(status, end, says):
    with pytest.raises(InvalidTransition, match=f"the occurrence is {says}"):
        occurrence_phase(status, end - HOUR, end, NOW, None)


def test_a_target_takes_updates_only_with_its_switch_on():
    assert target_phase("service:api", True, None) == "in_progress"
    with pytest.raises(InvalidTransition, match="not in switch maintenance"):
        target_phase("service:api", False, None)
    with pytest.raises(InvalidInput, match="status must be one of"):
        target_phase("service:api", True, "investigating")


def test_the_body_is_trimmed_and_bounded():
    assert validate_body("  fine\n") == "fine"
    assert len(validate_body(" " + "x" * 5000 + " ")) == 5000
    for bad in ("", " \n\t", "x" * 5001):
        with pytest.raises(InvalidInput) as exc:
            validate_body(bad)
        assert exc.value.field == "body"
