"""Arithmetic stepping for the plainest rules, which most maintenance windows use.

``FREQ=DAILY[;INTERVAL=n]`` and ``FREQ=WEEKLY[;BYDAY=...]`` (interval 1), with optional
COUNT or UNTIL and no other BY parts, step day by day on local wall time. That is what
dateutil computes for them, without its general machinery; anything else returns None and
goes through dateutil. A property test checks the two agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from dateutil.rrule import DAILY, WEEKLY, rrule

_DAY = timedelta(days=1)


def _plain(rule: rrule, anchor: datetime) -> bool:
    """True when nothing but FREQ, INTERVAL, BYDAY (weekly), COUNT and UNTIL is set."""
    if rule._freq not in (DAILY, WEEKLY) or (rule._freq == WEEKLY and rule._interval != 1):
        return False
    if rule._freq == DAILY and rule._byweekday is not None:
        return False
    others = (rule._bynweekday, rule._bymonth, rule._byyearday, rule._byweekno,
              rule._bysetpos, rule._byeaster)
    return (all(v is None for v in others) and not rule._bymonthday
            and not rule._bynmonthday and rule._byhour == {anchor.hour}
            and rule._byminute == {anchor.minute} and rule._bysecond == (anchor.second,))


def steps(rule: rrule, anchor: datetime, done: int = 0) -> Iterator[datetime] | None:
    """Local starts from ``anchor`` (included when it matches), or None if not plain.

    ``done``: how many of the rule's occurrences came before, ``anchor`` the last of them
    (a cursor), so only the rest of a COUNT remains. This is what the rule re-anchored at
    ``anchor`` yields (``rule.replace(dtstart=anchor, count=...)``), without building it:
    after a restart that construction was a fifth of rebuilding every series' expansion.
    """
    if not _plain(rule, anchor):
        return None
    count = rule._count
    if done and count is not None:
        count = max(0, count - done + 1)
    return _steps(rule, anchor, count)


def _steps(rule: rrule, anchor: datetime, count: int | None) -> Iterator[datetime]:
    until = rule._until
    if rule._freq == DAILY:
        step, days = _DAY * rule._interval, None
    else:
        step, days = _DAY, frozenset(rule._byweekday)
    at, produced = anchor, 0
    while count is None or produced < count:
        if until is not None and at > until:
            return
        if days is None or at.weekday() in days:
            produced += 1
            yield at
        at += step
