"""Updates during a maintenance: which subjects accept one, and when. Pure: time is a
parameter.

An update tells the public how a maintenance is going. It belongs to one subject: an
occurrence of a window that has not ended (upcoming or ongoing), or a target whose own
switch is on. Its status is the maintenance phase Statuspage's scheduled maintenances use
(scheduled, in_progress, verifying, completed); omitted, it follows from the subject.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pitstop.domain.lifecycle import TERMINAL, Status
from pitstop.errors import InvalidInput, InvalidTransition

BODY_MAX = 5000
PHASES = ("scheduled", "in_progress", "verifying", "completed")


def validate_body(body: str) -> str:
    """1-5000 characters after trimming (markdown source, stored as given but trimmed)."""
    trimmed = body.strip()
    if not trimmed:
        raise InvalidInput("body must not be empty: say how the maintenance is going, in "
                           f"1-{BODY_MAX} characters", field="body")
    if len(trimmed) > BODY_MAX:
        raise InvalidInput(f"body is {len(trimmed)} characters long; shorten it to at most "
                           f"{BODY_MAX}", field="body")
    return trimmed


def _phase(status: str | None, default: str) -> str:
    if status is None:
        return default
    if status not in PHASES:
        raise InvalidInput(f"status must be one of {', '.join(PHASES)} (got {status!r})",
                           field="status")
    return status


def occurrence_phase(occurrence: Status, start: datetime, end: datetime, now: datetime,
                     status: str | None) -> str:
    """The phase of an update to an occurrence in ``occurrence`` status, or raise
    InvalidTransition: an occurrence that is over (completed, cancelled, or past its end
    while the scheduler has not yet moved it) takes no more updates."""
    if occurrence in TERMINAL or end <= now:
        over = str(occurrence).lower() if occurrence in TERMINAL else "over"
        raise InvalidTransition(
            f"the occurrence is {over}; updates can be posted to an upcoming or ongoing "
            "occurrence only", current=str(occurrence))
    return _phase(status, "in_progress" if start <= now else "scheduled")


def target_phase(target: str, switch_on: bool, status: str | None) -> str:
    """The phase of an update to ``target``'s switch maintenance, or raise
    InvalidTransition when its switch is off (a window's maintenance takes its updates on
    the occurrence)."""
    if not switch_on:
        raise InvalidTransition(
            f"{target} is not in switch maintenance; enter maintenance first, or post the "
            "update to the window's occurrence (POST /v1/windows/{id}/occurrences/"
            "{occurrence_id}/updates)", target=target)
    return _phase(status, "in_progress")


def carried_to(recurrence_id: datetime, start: datetime,
               regenerated: Sequence[tuple[int, datetime, datetime]]) -> int | None:
    """Where an update of an occurrence replaced by an edit of its window's timing goes:
    of the ``(id, recurrence_id, start)`` occurrences that replace it, the one with the
    same recurrence id (the same slot, say with a new duration), else the one starting
    nearest to where it started (the same maintenance moved: 02:00 to 03:00, Sunday to
    Saturday; the later one on a tie). None when nothing replaces it."""
    for ident, rid, _ in regenerated:
        if rid == recurrence_id:
            return ident
    nearest = min(regenerated, key=lambda o: (abs(o[2] - start), start - o[2]), default=None)
    return None if nearest is None else nearest[0]
