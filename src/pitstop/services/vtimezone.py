"""VTIMEZONE blocks written from the zone database's own transitions.

Every client must read them the same way, so each block is the plainest form RFC 5545
allows: one observance per transition, each with a single DTSTART and no RDATE list (ical.js
reads only the first value of a comma-separated RDATE) and no RRULE (a zone's rules change
over the years). An onset's DTSTART is the local time *before* the change, in
TZOFFSETFROM: Europe/Berlin's 2027 spring change, at 01:00Z, is ``20270328T020000`` with
``TZOFFSETFROM:+0100``. The first observance covers the earliest time the feed writes in
the zone; the last one holds from the last transition in the range onwards.

The transitions are found by probing the zone (``zoneinfo``) once a day and bisecting each
change to the second, which needs no access to the TZif files themselves.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

_PROBE_S = 86_400  # no zone changes twice within a day and back


class _Observance(NamedTuple):
    offset: timedelta
    dst: bool
    name: str


class Transition(NamedTuple):
    at: datetime  # UTC, the first instant of the new observance
    before: _Observance
    after: _Observance


def _observance(tz: ZoneInfo, ts: int) -> _Observance:
    local = datetime.fromtimestamp(ts, tz)
    return _Observance(local.utcoffset() or timedelta(0), bool(local.dst()),
                       local.tzname() or "")


def transitions(tz: ZoneInfo, first: datetime, last: datetime) -> list[Transition]:
    """The zone's changes of offset, DST flag or abbreviation in (first, last]."""
    out: list[Transition] = []
    ts, end = int(first.timestamp()), int(last.timestamp())
    current = _observance(tz, ts)
    while ts < end:
        probe = min(ts + _PROBE_S, end)
        if _observance(tz, probe) == current:
            ts = probe
            continue
        lo, hi = ts, probe  # current holds at lo, not at hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if _observance(tz, mid) == current else (lo, mid)
        after = _observance(tz, hi)
        out.append(Transition(datetime.fromtimestamp(hi, UTC), current, after))
        ts, current = hi, after
    return out


def _block(kind: type[TimezoneStandard] | type[TimezoneDaylight], onset: datetime,
           before: _Observance, after: _Observance) -> TimezoneStandard | TimezoneDaylight:
    """One observance starting at ``onset`` (UTC), written as local time before it."""
    block = kind()
    block.add("dtstart", (onset + before.offset).replace(tzinfo=None))
    block.add("tzoffsetfrom", before.offset)
    block.add("tzoffsetto", after.offset)
    if after.name:
        block.add("tzname", after.name)
    return block


@functools.lru_cache(maxsize=256)
def _changes(key: str, first_day: datetime, last_day: datetime
             ) -> tuple[_Observance, tuple[Transition, ...]]:
    tz = ZoneInfo(key)
    return (_observance(tz, int(first_day.timestamp())),
            tuple(transitions(tz, first_day, last_day)))


def vtimezone(key: str, first: datetime, last: datetime) -> Timezone:
    """The VTIMEZONE of zone ``key``, exact from ``first`` to ``last`` (widened to UTC
    midnights, so that one day's feeds share the cached transitions)."""
    first_day, last_day = day_floor(first), day_floor(last) + timedelta(days=1)
    start, changes = _changes(key, first_day, last_day)
    kinds = {True: TimezoneDaylight, False: TimezoneStandard}
    zone = Timezone()
    zone.add("tzid", key)
    zone.add_component(_block(kinds[start.dst], first_day, start, start))
    for change in changes:
        zone.add_component(_block(kinds[change.after.dst], change.at, change.before,
                                  change.after))
    return zone


def day_floor(at: datetime) -> datetime:
    """``at`` (aware) down to its UTC midnight."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
