"""The iCalendar feed of public windows.

One VEVENT per window: DTSTART in the window's own zone (TZID) with its duration and RRULE,
so calendar apps expand it on local wall time exactly as pitstop does; EXDATE for every
cancelled or deleted occurrence; an override VEVENT (RECURRENCE-ID) for every occurrence
whose times differ from the rule's slot (moved, or completed early). A paused window stays
in the feed as TENTATIVE: its occurrences are planned but held. A one-time window that was
cancelled or deleted is CANCELLED. VTIMEZONE blocks come from the zone database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from icalendar import Calendar, Event, vRecur

from pitstop import clock
from pitstop.domain.lifecycle import Status
from pitstop.domain.recurrence import localise
from pitstop.domain.windows import PAUSED
from pitstop.services.records import occurrence_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord
from pitstop.storage import windows as windows_q

KEEP_PAST = timedelta(days=30)  # exceptions older than this no longer matter to anyone
AHEAD = timedelta(days=400)  # DST-exact times are written this far ahead
MAX_SCANNED = 20_000  # slots examined per window for DST, at most
_LOCAL_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6})?(?!Z|\d)", re.IGNORECASE)


def rule_for_feed(window: WindowRecord) -> str:
    """The stored rule with UNTIL back in UTC, as RFC 5545 wants next to a DTSTART with a
    TZID (pitstop stores it as the window's wall time)."""
    assert window.rrule is not None

    def to_utc(match: re.Match[str]) -> str:
        local = datetime.strptime(match.group(1) + (match.group(2) or "T000000"),
                                  "%Y%m%dT%H%M%S")
        return "UNTIL=" + localise(local, window.series.tz).strftime("%Y%m%dT%H%M%SZ")

    return _LOCAL_UNTIL.sub(to_utc, window.rrule)


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
    return event


def _moved(occ: OccurrenceRecord, window: WindowRecord) -> bool:
    t = occ.times
    return t.start != t.recurrence_id or t.end - t.start != window.duration


def _gone(occ: OccurrenceRecord) -> bool:
    return occ.deleted or occ.times.status is Status.CANCELLED


def window_events(window: WindowRecord, occs: Iterable[OccurrenceRecord], *,
                  since: datetime, until: datetime) -> list[Event]:
    """The window's VEVENT and its overrides (those for DST within [since, until))."""
    tz, stamp = window.series.tz, window.updated_at
    occs = list(occs)
    if window.rrule is None:
        occ = occs[0] if occs else None
        start = occ.times.start.astimezone(tz) if occ else window.start_local.replace(tzinfo=tz)
        event = _event(window, start, stamp=stamp)
        event.add("dtend", occ.times.end.astimezone(tz) if occ else start + window.duration)
        if occ is not None and _gone(occ):
            event.add("status", "CANCELLED")
        return [event]
    main = _event(window, window.start_local.replace(tzinfo=tz), stamp=stamp)
    main.add("duration", window.duration)
    main.add("rrule", vRecur.from_ical(rule_for_feed(window)))
    if window.status == PAUSED:
        main.add("status", "TENTATIVE")
    gone = sorted(o.times.recurrence_id for o in occs if _gone(o))
    if gone:
        main.add("exdate", [rid.astimezone(tz) for rid in gone])
    events = [main]
    stored = {o.times.recurrence_id: o for o in occs}
    for occ in occs:
        if not _gone(occ) and _moved(occ, window):
            events.append(_override(window, occ.times.recurrence_id, occ.times.start,
                                    occ.times.end, occ.updated_at))
    for rid in _wall_clock_slots(window, since, until):
        occ = stored.get(rid)
        if occ is None:
            events.append(_override(window, rid, rid, rid + window.duration, stamp))
        elif not _gone(occ) and not _moved(occ, window):
            events.append(_override(window, rid, occ.times.start, occ.times.end, stamp))
    return events


def _override(window: WindowRecord, rid: datetime, start: datetime, end: datetime,
              stamp: datetime) -> Event:
    tz = window.series.tz
    event = _event(window, start.astimezone(tz), stamp=stamp)
    event.add("recurrence-id", rid.astimezone(tz))
    event.add("dtend", end.astimezone(tz))
    return event


def _wall_clock_slots(window: WindowRecord, since: datetime, until: datetime
                      ) -> list[datetime]:
    """Recurrence ids of the slots in [since, until) where adding the duration to the local
    wall time, as some calendar apps do, would not give the elapsed duration pitstop uses
    (an occurrence across a DST change, or starting in its gap): those get explicit times."""
    series, out = window.series, []
    for n, (local, _) in enumerate(series.local_starts()):
        start = localise(local, series.tz)
        if start >= until or n >= MAX_SCANNED:
            break
        if start + series.duration > since and \
                localise(local + series.duration, series.tz) != start + series.duration:
            out.append(start)
    return out


async def build_calendar(*, rt: Runtime) -> bytes:
    """The feed of every public window, with VTIMEZONE blocks for the zones they use."""
    public = sorted((w for w in rt.state.windows.values() if w.public), key=lambda w: w.id)
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
    cal.add("x-wr-calname", "pitstop maintenance")
    cal.add("x-published-ttl", "PT15M")
    for window in public:
        for event in window_events(window, by_window[window.id], since=since, until=until):
            cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
