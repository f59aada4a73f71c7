"""Horizon refresh for 10,000 daily and weekly series that began a year ago.

pitstop resumes each series from its cursor (the last occurrence it generated) and expands
only up to the new horizon; the baseline expands each rule from its first start with
``rrule.between`` over the same 7-day horizon, as status pages do. Both produce the same
occurrences (checked), both timed in the same run, ratio printed.

After a restart each expander is rebuilt from its window's stored cursor (the series were
parsed when the snapshot was loaded, as the server does at start). For information, the
same with the parsing of every window's stored fields counted too.

    python bench/horizon_refresh.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from pitstop.domain.recurrence import Expander, localise, parse_series

SERIES = 10_000
ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "UTC"]
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HORIZON = timedelta(days=7)
BEGAN = datetime(2025, 11, 25, 2, 30)  # a year ago, local wall time


def build():  # type: ignore[no-untyped-def]
    out = []
    for i in range(SERIES):
        rule = "FREQ=DAILY" if i % 2 else "FREQ=WEEKLY;BYDAY=MO,TH"
        start = BEGAN + timedelta(minutes=7 * (i % 200))
        out.append(parse_series(start_local=start, timezone=ZONES[i % len(ZONES)],
                                duration=timedelta(hours=1), rule=rule))
    return out


def main() -> None:
    series = build()
    # Steady state: each series' expander stands where the previous refresh left it.
    expanders = [Expander(s) for s in series]
    for e in expanders:
        e.until(NOW)
    cursors = [e.cursor for e in expanders]

    started = time.perf_counter()
    ours = [e.until(NOW + HORIZON) for e in expanders]
    ours_s = time.perf_counter() - started

    started = time.perf_counter()  # after a restart: rebuilt from the stored cursors
    cold = [Expander(s, c).until(NOW + HORIZON) for s, c in zip(series, cursors, strict=True)]
    cold_s = time.perf_counter() - started
    assert cold == ours

    stored = [(s.start_local, s.tz.key, s.duration, s.rule) for s in series]
    started = time.perf_counter()  # the same, with every series parsed again first
    parsed = [Expander(parse_series(start_local=start, timezone=tz, duration=duration,
                                    rule=rule), cursor).until(NOW + HORIZON)
              for (start, tz, duration, rule), cursor in zip(stored, cursors, strict=True)]
    parsed_s = time.perf_counter() - started
    assert parsed == ours

    started = time.perf_counter()
    base = []
    for s in series:
        tz: ZoneInfo = s.tz
        rule = rrulestr(s.rule or "", dtstart=s.start_local)
        lo = NOW.astimezone(tz).replace(tzinfo=None)
        hi = (NOW + HORIZON).astimezone(tz).replace(tzinfo=None)
        base.append([localise(d, tz) for d in rule.between(lo, hi, inc=True)])
    base_s = time.perf_counter() - started

    produced = sum(len(o) for o in ours)
    assert [[o.start for o in occs if o.start >= NOW] for occs in ours] == [
        [d for d in b if d >= NOW] for b in base], "the two disagree"
    print(f"series: {SERIES} (daily and weekly, began a year ago); occurrences: {produced}")
    print(f"pitstop  (running: resume expanders) {ours_s:7.3f} s   target < 0.5 s")
    print(f"pitstop  (after restart: from cursor) {cold_s:6.3f} s")
    print(f"pitstop  (restart, parsing included)  {parsed_s:6.3f} s")
    print(f"baseline (rrule.between from start)  {base_s:7.3f} s")
    print(f"speed-up baseline / pitstop = {base_s / ours_s:.1f}x   target >= 20x")
    print(f"after a restart: baseline / pitstop = {base_s / cold_s:.1f}x   target >= 20x "
          f"(parsing included: {base_s / parsed_s:.1f}x)")


if __name__ == "__main__":
    main()
