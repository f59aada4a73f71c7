"""The occurrence lifecycle: one table of allowed moves and one transition function.

SCHEDULED -> READY (start within the ready lead) -> ONGOING (start) -> COMPLETED (end);
CANCELLED from SCHEDULED, READY or ONGOING; COMPLETED and CANCELLED are terminal. The
scheduler, the API and the tests all move occurrences through :func:`transition`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from pitstop.errors import InvalidTransition


class Status(StrEnum):
    SCHEDULED = "SCHEDULED"
    READY = "READY"
    ONGOING = "ONGOING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


S = Status
ALLOWED: dict[Status, frozenset[Status]] = {
    S.SCHEDULED: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.ONGOING, S.CANCELLED}),
    S.ONGOING: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
TERMINAL = frozenset({S.COMPLETED, S.CANCELLED})
_TIMED = (S.SCHEDULED, S.READY, S.ONGOING, S.COMPLETED)


@dataclass(frozen=True, slots=True)
class Slot:
    """What the lifecycle needs of an occurrence."""

    status: Status
    start: datetime
    end: datetime
    ready_lead: timedelta


@dataclass(frozen=True, slots=True)
class Step:
    """One transition: ``late`` when its boundary had passed before it was made."""

    from_: Status
    to: Status
    at: datetime  # the boundary it belongs to
    late: bool


def due_status(slot: Slot, now: datetime) -> Status:
    """The status the times say at ``now`` (for an occurrence that is not terminal)."""
    if now >= slot.end:
        return S.COMPLETED
    if now >= slot.start:
        return S.ONGOING
    if now >= slot.start - slot.ready_lead:
        return S.READY
    return S.SCHEDULED


def boundary(slot: Slot, to: Status) -> datetime:
    return {S.READY: slot.start - slot.ready_lead, S.ONGOING: slot.start,
            S.COMPLETED: slot.end}[to]


def transition(slot: Slot, to: Status, now: datetime) -> Slot:
    """Move ``slot`` to ``to`` or raise InvalidTransition.

    Completing early or cancelling while ONGOING moves the end to ``now``; cancelling before
    the start keeps the planned times.
    """
    if to not in ALLOWED[slot.status]:
        raise InvalidTransition(
            f"an occurrence that is {slot.status} cannot become {to}"
            + ("; it is final" if slot.status in TERMINAL else ""),
            current=str(slot.status), to=str(to))
    if slot.status is S.ONGOING and now < slot.end:
        return replace(slot, status=to, end=max(now, slot.start))
    return replace(slot, status=to)


def catch_up(slot: Slot, now: datetime, *, tolerance: timedelta = timedelta(seconds=1)
             ) -> list[Step]:
    """The steps that bring ``slot`` to the status its times give at ``now``, in order.

    Each step is marked late when its boundary passed more than ``tolerance`` ago. Only
    the last step describes the state the occurrence is in now; notifications are for it
    alone (a late READY or ONGOING must not announce a state that has already passed).
    """
    if slot.status in TERMINAL:
        return []
    target = due_status(slot, now)
    path = _TIMED[_TIMED.index(slot.status) + 1:_TIMED.index(target) + 1]
    steps, current = [], slot.status
    for to in path:
        at = boundary(slot, to)
        steps.append(Step(current, to, at, late=now - at > tolerance))
        current = to
    return steps


def initial_status(slot: Slot, now: datetime) -> Status:
    """A new occurrence starts where its times put it: READY inside its lead, ONGOING
    after its start (never COMPLETED: one created entirely in the past is refused)."""
    status = due_status(slot, now)
    return S.ONGOING if status is S.COMPLETED else status
