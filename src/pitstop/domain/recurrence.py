"""Recurrence expanded in the window's own time zone.

A series is a local wall-clock start, an IANA zone, an elapsed duration and an optional
RFC 5545 RRULE. Expansion works on naive local times (so BYDAY is the local weekday and a
02:30 stays 02:30 across DST) and localises each occurrence afterwards with PEP 495's
``fold=0``, which is exactly RFC 5545's rule: a start in the spring-forward gap moves to the
later offset (02:30 -> 03:30), a start in the fall-back overlap takes the first 02:30.

Refreshing the horizon must not cost more for an old series than for a new one, so
expansion continues from a :class:`Cursor` (the last local start generated and how many so
far) by re-anchoring the rule there, instead of iterating from the series' first start.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import HOURLY, rrule, rrulestr

from pitstop.domain import simple_rules

_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_SEARCH_YEARS = 5  # a rule with no occurrence this long after its start yields none


class RecurrenceError(ValueError):
    """A series that cannot be used; ``field`` names what to change."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Occurrence:
    recurrence_id: datetime  # the original start, UTC: the occurrence's identity
    start: datetime  # UTC
    end: datetime  # UTC


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where expansion stopped: the last local start generated and how many so far."""

    last_local: datetime
    generated: int


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Berlin", "timezone"
        ) from None


def localise(local: datetime, tz: ZoneInfo) -> datetime:
    """A naive local wall time as a UTC instant, by RFC 5545's rules (see module doc)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


@dataclass(frozen=True)
class Series:  # not slotted: caches its parsed rule
    start_local: datetime  # naive wall-clock time in ``tz``
    tz: ZoneInfo
    duration: timedelta
    rule: str | None  # RRULE body without "RRULE:"; None for a one-time window

    @property
    def recurring(self) -> bool:
        return self.rule is not None

    def occurrence(self, local: datetime) -> Occurrence:
        start = localise(local, self.tz)
        return Occurrence(start, start, start + self.duration)

    @functools.cached_property
    def _base(self) -> rrule:
        return rrulestr(self.rule or "", dtstart=self.start_local)  # type: ignore[return-value]

    def _rrule(self, anchor: datetime, generated: int) -> rrule:
        """The rule anchored at ``anchor``; after ``generated`` occurrences (the anchor being
        the last of them) only the rest of a COUNT remains. Re-anchoring the parsed rule is
        much cheaper than parsing its text again."""
        base = self._base
        if not generated:
            return base
        count = base._count
        left = None if count is None else max(0, count - generated + 1)
        return base.replace(dtstart=anchor, count=left)

    def local_starts(self, cursor: Cursor | None = None) -> Iterator[tuple[datetime, Cursor]]:
        """Local starts after ``cursor`` (from the first one without), each with the cursor
        that resumes after it."""
        if self.rule is None:
            if cursor is None:
                yield self.start_local, Cursor(self.start_local, 1)
            return
        if cursor is None:
            anchor, generated, skip_anchor = self.start_local, 0, False
        else:
            anchor, generated, skip_anchor = cursor.last_local, cursor.generated, True
        done = generated if skip_anchor else 0
        plain = simple_rules.steps(self._base, anchor, done)
        for local in plain if plain is not None else self._rrule(anchor, done):
            if skip_anchor and local == anchor:
                continue
            generated += 1
            yield local, Cursor(local, generated)

    def expand(self, until: datetime, cursor: Cursor | None = None
               ) -> tuple[list[Occurrence], Cursor | None]:
        """Occurrences starting before ``until`` (UTC) after ``cursor``, and the new cursor."""
        out: list[Occurrence] = []
        for local, nxt in self.local_starts(cursor):
            occ = self.occurrence(local)
            if occ.start >= until:
                break
            out.append(occ)
            cursor = nxt
        return out, cursor

    def preview(self, count: int, after: datetime | None = None) -> list[Occurrence]:
        """The first ``count`` occurrences (ending after ``after``, if given)."""
        out: list[Occurrence] = []
        for local, _ in self.local_starts():
            occ = self.occurrence(local)
            if after is None or occ.end > after:
                out.append(occ)
            if len(out) >= count:
                break
        return out


# Longer than any maintenance; it also keeps the stored duration_s within an INTEGER.
MAX_DURATION = timedelta(days=366)
MAX_INTERVAL = 1000
# Windows recur at most hourly: at most one start in any hour of the day, so FREQ is
# HOURLY or slower and BYMINUTE and BYSECOND (which would add starts within an hour) hold
# one value at most.
TOO_FREQUENT = ("maintenance windows recur at most hourly (one start per hour at most): "
                "FREQ must be HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY, and BYMINUTE and "
                "BYSECOND may hold one value each")


def parse_series(
    *, start_local: datetime, timezone: str, duration: timedelta, rule: str | None
) -> Series:
    """Validate a series, or raise RecurrenceError saying which field is wrong and why."""
    tz = zone(timezone)
    if start_local.tzinfo is not None:
        raise RecurrenceError("start is a local date-time: give it without an offset, and "
                              "the zone in timezone", "start")
    if not timedelta(0) < duration <= MAX_DURATION:
        raise RecurrenceError("duration must be positive and at most 366 days (ISO 8601 "
                              "like PT2H, or seconds)", "duration")
    start_local = start_local.replace(microsecond=0)
    parsed = None
    if rule is not None:
        rule, parsed = _normalise_rule(rule, tz, start_local)
    series = Series(start_local, tz, duration, rule)
    if parsed is not None:
        # The rule parsed to validate it is the series' own: a second parse of the same
        # text was half the cost of loading a window (and of the first refresh after a
        # restart). Stored where the cached property would store it.
        vars(series)["_base"] = parsed
        first = next(series.local_starts(), None)
        if first is None or first[0] > start_local + timedelta(days=366 * _SEARCH_YEARS):
            raise RecurrenceError("rrule yields no occurrence: check UNTIL, COUNT and the "
                                  "BY parts against the start", "rrule")
    return series


def _normalise_rule(rule: str, tz: ZoneInfo, start_local: datetime) -> tuple[str, rrule]:
    """The rule's text as stored (UNTIL in the window's wall time) and the rule parsed from
    ``start_local``, or RecurrenceError."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "DTSTART" in text.upper():
        raise RecurrenceError("rrule must not carry DTSTART: the window's start and timezone "
                              "are the series' start", "rrule")
    if not text:
        raise RecurrenceError("rrule is empty: omit it for a one-time window", "rrule")

    def until_local(match: re.Match[str]) -> str:  # UNTIL in UTC -> the window's wall time
        at = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return "UNTIL=" + at.astimezone(tz).replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")

    try:
        text = _UNTIL.sub(until_local, text)
        parsed = rrulestr(text, dtstart=start_local)
    except OverflowError:  # an UNTIL at the end of the calendar, in the window's zone
        raise RecurrenceError(f"invalid rrule {rule!r}: UNTIL is out of range", "rrule") \
            from None
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"invalid rrule {rule!r}: {exc}", "rrule") from None
    if getattr(parsed, "_freq", HOURLY) > HOURLY or \
            len(getattr(parsed, "_byminute", None) or ()) > 1 or \
            len(getattr(parsed, "_bysecond", None) or ()) > 1:
        raise RecurrenceError(TOO_FREQUENT, "rrule")
    if not 1 <= getattr(parsed, "_interval", 1) <= MAX_INTERVAL:
        # dateutil computes the next start in a C int: a larger step overflows it
        raise RecurrenceError(f"INTERVAL must be from 1 to {MAX_INTERVAL}", "rrule")
    return text, parsed  # type: ignore[return-value]


class Expander:
    """Resumable expansion of one series for the horizon refresher.

    It keeps dateutil's iterator (and the one start it has looked past) between refreshes,
    so a refresh costs only the occurrences it adds; after a restart it is rebuilt from
    the stored cursor.
    """

    def __init__(self, series: Series, cursor: Cursor | None = None) -> None:
        self.series = series
        self.cursor = cursor
        self._starts = series.local_starts(cursor)
        self._next: tuple[Occurrence, Cursor] | None = None

    def peek(self) -> Occurrence | None:
        """The next occurrence :meth:`until` would return, or None when the series is done."""
        if self._next is None:
            pulled = next(self._starts, None)
            if pulled is None:
                return None
            self._next = (self.series.occurrence(pulled[0]), pulled[1])
        return self._next[0]

    def until(self, horizon: datetime) -> list[Occurrence]:
        """Occurrences starting before ``horizon`` (UTC) not returned before."""
        out: list[Occurrence] = []
        while (occ := self.peek()) is not None and occ.start < horizon:
            assert self._next is not None
            out.append(occ)
            self.cursor, self._next = self._next[1], None
        return out
