"""The iCalendar feed of public windows, written so that every calendar client reads the
same instants as pitstop's own occurrence API (checked against ical.js, recurring-ical-events
and Home Assistant's ical in tests/api/test_calendar_clients.py).

One VEVENT per window: DTSTART in the window's own zone (TZID) with its duration and RRULE,
so calendar apps expand it on local wall time exactly as pitstop does. What clients would
otherwise read differently is written out:

- DTSTART is the rule's first instance, never a start the rule does not yield (RFC 5545
  leaves such a DTSTART undefined; pitstop, like dateutil, does not count it, so COUNT
  stays as it is).
- EXDATE (cancelled or deleted occurrences) and RECURRENCE-ID name a slot by the local
  wall time the rule names (02:30 on the day 02:30 does not exist), which is what every
  client computes as that instance's id.
- An override VEVENT gives the times of every occurrence that is moved or completed early,
  and, over the feed's range, of every slot whose start or end falls in a DST gap or
  overlap or whose duration spans a DST change. Its DTSTART and DTEND are in the zone,
  or in UTC where the zone's wall time is ambiguous or missing.
- VTIMEZONE blocks are written from the zone database (services/vtimezone.py).

A paused window stays in the feed as TENTATIVE: its occurrences are planned but held. A
one-time window that was cancelled or deleted is CANCELLED.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur
from icalendar.prop import vDuration

from pitstop import clock
from pitstop.domain.lifecycle import Status
from pitstop.domain.recurrence import Series, localise
from pitstop.domain.windows import PAUSED
from pitstop.services.public_maintenance import scope_of
from pitstop.services.records import occurrence_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord
from pitstop.services.vtimezone import vtimezone
from pitstop.storage import windows as windows_q

KEEP_PAST = timedelta(days=30)  # exceptions older than this no longer matter to anyone
AHEAD = timedelta(days=400)  # DST-exact times are written this far ahead
ZONES_AHEAD = timedelta(days=3653)  # VTIMEZONEs hold the zone's changes this far ahead
MAX_SCANNED = 20_000  # slots examined per window, at most
_LOCAL_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(?!Z|\d)", re.IGNORECASE)
_ZONED = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE")


def rule_for_feed(window: WindowRecord) -> str:
    """The stored rule with UNTIL back in UTC, as RFC 5545 wants next to a DTSTART with a
    TZID (pitstop stores it as the window's wall time)."""
    assert window.rrule is not None

    def to_utc(match: re.Match[str]) -> str:
        local = datetime.strptime(match.group(1) + (match.group(2) or "T000000"),
                                  "%Y%m%dT%H%M%S")
        return "UNTIL=" + localise(local, window.series.tz).strftime("%Y%m%dT%H%M%SZ")

    return _LOCAL_UNTIL.sub(to_utc, window.rrule)


class ExactDuration(vDuration):
    """A DURATION in hours, minutes and seconds only: RFC 5545 makes those exact elapsed
    time, as pitstop's durations are, where ``P1D`` would be a nominal day."""

    def to_ical(self) -> bytes:
        hours, rest = divmod(int(self.td.total_seconds()), 3600)
        minutes, seconds = divmod(rest, 60)
        text = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (seconds, "S"))
                       if v)
        return f"PT{text or '0S'}".encode()


def _unclear(local: datetime, tz: ZoneInfo) -> bool:
    """True when the wall time ``local`` is missing (a DST gap) or happens twice."""
    return local.replace(tzinfo=tz, fold=0).utcoffset() != \
        local.replace(tzinfo=tz, fold=1).utcoffset()


def _written(at: datetime, tz: ZoneInfo) -> datetime:
    """An instant as the feed writes it: in the zone, or in UTC where the zone's wall time
    at that day and hour is ambiguous or missing (clients resolve those differently)."""
    local = at.astimezone(tz)
    return at.astimezone(UTC) if _unclear(local.replace(tzinfo=None), tz) else local


def _needs_times(local: datetime, series: Series) -> bool:
    """True when a client could place the slot starting at ``local`` otherwise than
    pitstop: a start or end in a gap or overlap, or a duration across a DST change
    (clients that add it to the wall time)."""
    tz, duration = series.tz, series.duration
    return _unclear(local, tz) or _unclear(local + duration, tz) or \
        localise(local + duration, tz) != localise(local, tz) + duration


@dataclass
class Slots:
    """A recurring window's slots as the feed needs them."""

    first: datetime | None = None  # the first instance's local start: the feed's DTSTART
    local_of: dict[datetime, datetime] = field(default_factory=dict)  # recurrence id -> local
    dst_exact: list[datetime] = field(default_factory=list)  # in range, needing times
    doubles: list[datetime] = field(default_factory=list)  # local starts pitstop skips

    def nominal(self, rid: datetime, tz: ZoneInfo) -> datetime:
        """The local start the rule names for recurrence id ``rid``, with its zone."""
        local = self.local_of.get(rid) or rid.astimezone(tz).replace(tzinfo=None)
        return local.replace(tzinfo=tz)


def slots(series: Series, since: datetime, until: datetime) -> Slots:
    """The first instance, the local start of each slot before ``until``, and the slots
    overlapping [since, until) that need explicit times."""
    out = Slots()
    for n, (local, _) in enumerate(series.local_starts()):
        start = localise(local, series.tz)
        if out.first is None:
            out.first = local
        if start >= until or n >= MAX_SCANNED:
            break
        if start in out.local_of:  # a wall time after a gap, taken by the one in the gap
            out.doubles.append(local)
            continue
        out.local_of[start] = local
        if start + series.duration > since and _needs_times(local, series):
            out.dst_exact.append(local)
    return out


def _description(window: WindowRecord) -> str:
    lines = [window.description] if window.description else []
    for selector in window.affects:
        what = selector.target or ", ".join(f"{k}={v}" for k, v in selector.labels or ())
        lines.append(f"{what}: {selector.impact}")
    return "\n".join(lines)


def _event(window: WindowRecord, start: datetime, *, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"window-{window.id}@pitstop")
    event.add("dtstamp", stamp)
    event.add("summary", window.title)
    event.add("description", _description(window))
    event.add("dtstart", start)
    if window.status == PAUSED:
        event.add("status", "TENTATIVE")
    return event


def _moved(occ: OccurrenceRecord, window: WindowRecord) -> bool:
    t = occ.times
    return t.start != t.recurrence_id or t.end - t.start != window.duration


def _gone(occ: OccurrenceRecord) -> bool:
    return occ.deleted or occ.times.status is Status.CANCELLED


def window_events(window: WindowRecord, occs: Iterable[OccurrenceRecord], *,
                  since: datetime, until: datetime) -> list[Event]:
    """The window's VEVENT and its overrides (those for DST within [since, until))."""
    occs = list(occs)
    if window.rrule is None:
        return [_one_time(window, occs[0] if occs else None)]
    tz, stamp = window.series.tz, window.updated_at
    found = slots(window.series, since, until)
    assert found.first is not None  # parse_series refuses a rule without instances
    main = _event(window, found.first.replace(tzinfo=tz), stamp=stamp)
    main.add("duration", ExactDuration(window.duration))
    main.add("rrule", vRecur.from_ical(rule_for_feed(window)))
    gone = [found.nominal(o.times.recurrence_id, tz) for o in occs if _gone(o)]
    if gone or found.doubles:
        main.add("exdate", sorted(gone + [local.replace(tzinfo=tz) for local in found.doubles]))
    events = [main]
    stored = {o.times.recurrence_id: o for o in occs}
    for occ in occs:
        if not _gone(occ) and _moved(occ, window):
            events.append(_override(window, found.nominal(occ.times.recurrence_id, tz),
                                    occ.times.start, occ.times.end, occ.updated_at))
    for local in found.dst_exact:
        rid = localise(local, tz)
        occ = stored.get(rid)
        if occ is None:
            events.append(_override(window, local.replace(tzinfo=tz), rid,
                                    rid + window.duration, stamp))
        elif not _gone(occ) and not _moved(occ, window):
            events.append(_override(window, local.replace(tzinfo=tz), occ.times.start,
                                    occ.times.end, stamp))
    return events


def _one_time(window: WindowRecord, occ: OccurrenceRecord | None) -> Event:
    """A one-time window at its occurrence's times (CANCELLED when that is gone)."""
    tz = window.series.tz
    start = occ.times.start if occ else localise(window.start_local, tz)
    event = _event(window, _written(start, tz), stamp=window.updated_at)
    event.add("dtend", _written(occ.times.end if occ else start + window.duration, tz))
    if occ is not None and _gone(occ):
        event["STATUS"] = "CANCELLED"
    return event


def _override(window: WindowRecord, slot: datetime, start: datetime, end: datetime,
              stamp: datetime) -> Event:
    """The VEVENT giving the times of the instance whose slot is ``slot`` (its local
    start as the rule names it, with the zone)."""
    tz = window.series.tz
    event = _event(window, _written(start, tz), stamp=stamp)
    event.add("recurrence-id", slot)
    event.add("dtend", _written(end, tz))
    return event


def _zones_used(events: Iterable[Event]) -> dict[str, datetime]:
    """Each TZID the events use, with the earliest time written in it."""
    earliest: dict[str, datetime] = {}
    for event in events:
        for name in _ZONED:
            value = event.get(name)
            for prop in value if isinstance(value, list) else [value] if value else []:
                key = prop.params.get("TZID")
                times = [d.dt for d in prop.dts] if hasattr(prop, "dts") else [prop.dt]
                for at in times:
                    if key and isinstance(at, datetime):
                        earliest[key] = min(earliest.get(key, at), at)
    return earliest


async def build_calendar(*, rt: Runtime, service: str | None = None) -> bytes:
    """The feed of every public window, with VTIMEZONE blocks for the zones they use; with
    ``service``, of the public windows that reach it (selected by its id, by its labels, or
    through the platform). NotFound for an unknown service."""
    scope = scope_of(rt.state, service)
    public = sorted((w for w in rt.state.windows.values() if w.public and (
        scope.window_ids is None or w.id in scope.window_ids)), key=lambda w: w.id)
    now = clock.now()
    since, until = now - KEEP_PAST, now + AHEAD
    async with rt.db.read() as conn:
        rows = await windows_q.window_occurrences(conn=conn, start_from=since,
                                                  include_deleted=True)
    by_window: dict[int, list[OccurrenceRecord]] = defaultdict(list)
    for row in rows:
        by_window[row["window_id"]].append(occurrence_from_row(row))
    cal = Calendar()
    cal.add("prodid", "-//pitstop//maintenance windows//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"pitstop maintenance: {scope.service}" if scope.service
            else "pitstop maintenance")
    cal.add("x-published-ttl", "PT15M")
    events = [event for window in public
              for event in window_events(window, by_window[window.id], since=since,
                                         until=until)]
    for key, earliest in sorted(_zones_used(events).items()):
        cal.add_component(vtimezone(key, earliest - timedelta(days=1), now + ZONES_AHEAD))
    for event in events:
        cal.add_component(event)
    return cal.to_ical()
