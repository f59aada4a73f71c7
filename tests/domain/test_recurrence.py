"""Recurrence in the window's own time zone: DST, local weekdays, COUNT, UNTIL, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pitstop.domain.recurrence import RecurrenceError, parse_series

H = timedelta(hours=1)


def series(start: str, tz: str, rule: str | None, duration: timedelta = H):
    return parse_series(start_local=datetime.fromisoformat(start), timezone=tz,
                        duration=duration, rule=rule)


def local(occ, tz) -> str:
    from zoneinfo import ZoneInfo

    return occ.start.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M %Z")


def test_berlin_sunday_0230_across_spring_forward_and_fall_back():
    s = series("2026-03-22T02:30", "Europe/Berlin", "FREQ=WEEKLY;BYDAY=SU")
    spring = s.preview(3)
    assert [local(o, "Europe/Berlin") for o in spring] == [
        "Sun 2026-03-22 02:30 CET",
        "Sun 2026-03-29 03:30 CEST",  # 02:30 does not exist: the later offset
        "Sun 2026-04-05 02:30 CEST",
    ]
    assert spring[1].start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    fall = series("2026-10-18T02:30", "Europe/Berlin", "FREQ=WEEKLY;BYDAY=SU").preview(3)
    assert [o.start for o in fall] == [
        datetime(2026, 10, 18, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first 02:30 (CEST)
        datetime(2026, 11, 1, 1, 30, tzinfo=UTC),
    ]


def test_duration_is_elapsed_time_across_a_dst_change():
    s = series("2026-03-29T01:30", "Europe/Berlin", None, duration=2 * H)
    occ = s.preview(1)[0]
    assert occ.end - occ.start == 2 * H
    assert local(occ, "Europe/Berlin") == "Sun 2026-03-29 01:30 CET"


@pytest.mark.parametrize(("tz", "start", "weekday"), [
    ("Asia/Kolkata", "2026-05-03T02:00", "Sun"),        # Saturday evening in UTC
    ("America/Los_Angeles", "2026-05-03T20:00", "Sun"),  # Monday in UTC
])
def test_byday_is_the_local_weekday(tz, start, weekday):
    occs = series(start, tz, "FREQ=WEEKLY;BYDAY=SU").preview(4)
    assert {local(o, tz)[:3] for o in occs} == {weekday}
    assert {o.start.astimezone(UTC).strftime("%a") for o in occs} != {weekday}


def test_count_10_is_recurring_with_ten_occurrences():
    s = series("2026-05-01T09:00", "UTC", "FREQ=DAILY;COUNT=10")
    assert s.recurring
    occs, _ = s.expand(until=datetime(2027, 1, 1, tzinfo=UTC))
    assert len(occs) == 10


def test_until_in_utc_is_read_in_the_window_zone():
    s = series("2026-05-01T23:30", "America/New_York",
               "FREQ=DAILY;UNTIL=20260504T033000Z")  # = May 3 23:30 New York
    assert len(s.preview(10)) == 3


@pytest.mark.parametrize(("kwargs", "field", "fragment"), [
    ({"rule": "FREQ=SOMETIMES"}, "rrule", "invalid rrule"),
    ({"rule": "DTSTART:20260101T000000\nRRULE:FREQ=DAILY"}, "rrule", "DTSTART"),
    ({"rule": "FREQ=DAILY;UNTIL=20200101T000000"}, "rrule", "no occurrence"),
    ({"rule": "FREQ=MINUTELY;INTERVAL=60"}, "rrule", "at most hourly"),
    ({"rule": "FREQ=HOURLY;BYMINUTE=0,15,30,45"}, "rrule", "at most hourly"),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
    ({"duration": timedelta(0)}, "duration", "positive"),
    ({"start_local": datetime(2026, 1, 1, tzinfo=UTC)}, "start", "without an offset"),
])
def test_bad_series_say_which_field(kwargs, field, fragment):
    args = {"start_local": datetime(2026, 1, 1, 9), "timezone": "UTC", "duration": H,
            "rule": "FREQ=DAILY", **kwargs}
    with pytest.raises(RecurrenceError) as err:
        parse_series(**args)
    assert err.value.field == field and fragment in str(err.value)


RULES = ["FREQ=DAILY", "FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,TH",
         "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU", "FREQ=MONTHLY;BYDAY=-1SU",
         "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=DAILY;COUNT=25", "FREQ=WEEKLY;COUNT=7;BYDAY=SA"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(RULES), st.lists(st.integers(1, 60), min_size=1, max_size=6),
       st.sampled_from(["Europe/Berlin", "Asia/Kolkata", "America/Los_Angeles"]))
def test_resuming_from_a_cursor_gives_what_expanding_from_the_start_gives(rule, steps, tz):
    s = series("2026-01-04T02:30", tz, rule)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    whole, _ = s.expand(until=first + timedelta(days=sum(steps) * 7))
    pieces, cursor, horizon = [], None, first
    for step in steps:
        horizon += timedelta(days=step * 7)
        part, cursor = s.expand(until=horizon, cursor=cursor)
        pieces += part
    assert pieces == whole


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(RULES), st.lists(st.integers(1, 60), min_size=1, max_size=6))
def test_an_expander_kept_between_refreshes_gives_the_same(rule, steps):
    from pitstop.domain.recurrence import Expander

    s = series("2026-01-04T02:30", "Europe/Berlin", rule)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    whole, _ = s.expand(until=first + timedelta(days=sum(steps) * 7))
    expander, horizon, pieces = Expander(s), first, []
    for step in steps:
        horizon += timedelta(days=step * 7)
        pieces += expander.until(horizon)
    assert pieces == whole
    assert expander.until(horizon) == []  # nothing twice


@settings(max_examples=200, deadline=None)
@given(
    freq=st.sampled_from(["DAILY", "WEEKLY"]),
    interval=st.integers(1, 4),
    days=st.sets(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), max_size=3),
    end=st.sampled_from(["", ";COUNT=9", ";UNTIL=20260420T000000"]),
    start=st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 4, 10)),
)
def test_plain_rules_step_exactly_as_dateutil(freq, interval, days, end, start):
    from dateutil.rrule import rrulestr

    from pitstop.domain import simple_rules

    text = f"FREQ={freq};INTERVAL={interval}{end}"
    if freq == "WEEKLY" and days:
        text += ";BYDAY=" + ",".join(sorted(days))
    start = start.replace(microsecond=0)
    rule = rrulestr(text, dtstart=start)
    fast = simple_rules.steps(rule, start)
    if fast is None:  # not plain: dateutil handles it
        assert freq == "WEEKLY" and interval > 1
        return
    expected = list(rule[:40])
    got = [d for d, _ in zip(fast, range(40), strict=False)]
    assert got == expected
