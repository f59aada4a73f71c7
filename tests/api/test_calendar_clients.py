"""The iCalendar feed read by real clients: Mozilla's ical.js (Thunderbird), the Python
recurring-ical-events, and Home Assistant's ical. For windows in many zones, with daily,
weekly, monthly, yearly and (in UTC) hourly rules, COUNT and UNTIL, starts in DST gaps and
overlaps, and cancelled, moved and deleted occurrences, each client must give every
instance of the next 400 days at the UTC start and end pitstop's own API gives.

ical.js comes from the npm registry, installed once into .cache/icaljs. Without node the
other two clients are still compared and the test then skips saying why; in CI it fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from pitstop import clock
from pitstop.settings import Settings
from tests import pg
from tests.conftest import make_settings

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)  # the range holds 29 February 2028
END = NOW + timedelta(days=400)
ROOT = Path(__file__).resolve().parents[2]
ICALJS_PREFIX = ROOT / ".cache" / "icaljs"
ICALJS_VERSION = "2"  # the major version installed; Thunderbird tracks ical.js 2
EXPAND_JS = Path(__file__).with_name("icaljs_expand.mjs")

Instances = dict[str, Counter[tuple[datetime, datetime]]]


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    """SQLite only (the subject is the feed), with occurrences stored a year ahead so that
    those on DST days can be cancelled, moved and deleted."""
    return make_settings(sqlite_url, window_horizon_days=366)


@pytest.fixture(autouse=True)
def at_now() -> Iterator[None]:
    clock.freeze(NOW)
    yield
    clock.unfreeze()


def _install_icaljs() -> str | None:
    """Install ical.js from the npm registry unless it is there; why not, if it cannot be."""
    if shutil.which("node") is None:
        return "node is needed to run ical.js (apt-get install nodejs npm)"
    package = ICALJS_PREFIX / "node_modules" / "ical.js" / "package.json"
    if package.exists() and \
            json.loads(package.read_text())["version"].split(".")[0] == ICALJS_VERSION:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is needed to install ical.js (apt-get install npm)"
    ICALJS_PREFIX.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--prefix", str(ICALJS_PREFIX), "--no-audit", "--no-fund",
         "--no-save", f"ical.js@{ICALJS_VERSION}"], capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or not package.exists():
        return f"npm install ical.js failed: {done.stderr.strip()[-500:]}"
    return None


@dataclass(frozen=True)
class IcalJs:
    prefix: Path | None  # None: not available here, for the reason in ``missing``
    missing: str = ""


@pytest.fixture(scope="session")
def icaljs() -> IcalJs:
    """ical.js, installed once. Without it the other two clients are still compared, and
    the test then skips with the reason; in CI (CI=true) that is a failure instead."""
    missing = _install_icaljs()
    if missing and pg._in_ci():
        pytest.fail(f"CI must compare the feed with ical.js: {missing}")
    return IcalJs(None if missing else ICALJS_PREFIX, missing or "")


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


async def create(client: httpx.AsyncClient, **body: object) -> dict:
    body = {"title": "maintenance", "duration": "PT1H", "affects": [{"selector": "platform"}],
            **body}
    r = await client.post("/v1/windows", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def occurrence_on(client: httpx.AsyncClient, window: dict, day: str) -> dict:
    """The stored occurrence whose slot (recurrence id) is on ``day``, in the window's zone."""
    r = await client.get(f"/v1/windows/{window['id']}/occurrences", params={"limit": 1000})
    for occ in r.json()["items"]:
        if occ["start_local"].startswith(day):
            return occ
    raise AssertionError(f"window {window['title']} has no stored occurrence on {day}")


async def cancel(client: httpx.AsyncClient, window: dict, day: str) -> None:
    occ = await occurrence_on(client, window, day)
    r = await client.patch(f"/v1/windows/{window['id']}/occurrences/{occ['id']}",
                           json={"status": "CANCELLED"})
    assert r.status_code == 200, r.text


async def delete(client: httpx.AsyncClient, window: dict, day: str) -> None:
    occ = await occurrence_on(client, window, day)
    r = await client.delete(f"/v1/windows/{window['id']}/occurrences/{occ['id']}")
    assert r.status_code == 204, r.text


async def move(client: httpx.AsyncClient, window: dict, day: str, start: str, end: str
               ) -> None:
    occ = await occurrence_on(client, window, day)
    r = await client.patch(f"/v1/windows/{window['id']}/occurrences/{occ['id']}",
                           json={"start": start, "end": end})
    assert r.status_code == 200, r.text


async def build_windows(op: httpx.AsyncClient) -> list[dict]:
    """Windows across zones and rules, with the exceptions that used to be misread."""
    berlin = await create(op, title="Berlin weekly, starts in the spring gap",
                          start="2027-03-28T02:30:00", timezone="Europe/Berlin",
                          rrule="FREQ=WEEKLY;BYDAY=SU")
    await cancel(op, berlin, "2027-06-06")
    await delete(op, berlin, "2027-06-13")
    await move(op, berlin, "2027-06-20", "2027-06-21T22:00:00", "2027-06-21T23:30:00")
    await move(op, berlin, "2027-10-31", "2027-10-31T01:00:00", "2027-10-31T03:00:00")
    await cancel(op, berlin, "2028-03-26")
    last_sunday = await create(op, title="Berlin on the last Sunday, the DST days",
                               start="2027-01-31T02:30:00", timezone="Europe/Berlin",
                               duration="PT90M", rrule="FREQ=MONTHLY;BYDAY=-1SU")
    await move(op, last_sunday, "2028-03-26", "2028-03-26T04:00:00", "2028-03-26T05:00:00")
    new_york = await create(op, title="New York nightly 01:45 for two hours",
                            start="2027-05-01T01:45:00", timezone="America/New_York",
                            duration="PT2H", rrule="FREQ=DAILY;UNTIL=20280401T000000Z")
    await cancel(op, new_york, "2027-11-08")
    await move(op, new_york, "2028-03-12", "2028-03-12T05:00:00", "2028-03-12T06:00:00")
    london = await create(op, title="London, Tuesday start for Monday and Thursday",
                          start="2027-06-08T09:00:00", timezone="Europe/London",
                          rrule="FREQ=WEEKLY;BYDAY=MO,TH;COUNT=60")
    await cancel(op, london, "2027-06-10")
    london_old = await create(op, title="London since 2019", start="2019-01-07T00:30:00",
                              timezone="Europe/London", rrule="FREQ=WEEKLY;INTERVAL=2")
    kolkata = await create(op, title="Kolkata, last Friday", start="2027-01-29T18:00:00",
                           timezone="Asia/Kolkata", duration="PT3H",
                           rrule="FREQ=MONTHLY;BYDAY=-1FR")
    lord_howe = await create(op, title="Lord Howe nightly 01:45", start="2027-05-01T01:45:00",
                             timezone="Australia/Lord_Howe", rrule="FREQ=DAILY")
    await delete(op, lord_howe, "2028-04-02")
    lord_howe_gap = await create(op, title="Lord Howe Sundays in the half-hour gap",
                                 start="2027-05-02T02:15:00", timezone="Australia/Lord_Howe",
                                 duration="PT45M", rrule="FREQ=WEEKLY;BYDAY=SU;COUNT=40")
    sao_paulo = await create(op, title="Sao Paulo on the 31st", start="2027-01-31T10:00:00",
                             timezone="America/Sao_Paulo", rrule="FREQ=MONTHLY;BYMONTHDAY=31")
    chatham = await create(op, title="Chatham on 29 February", start="2024-02-29T03:00:00",
                           timezone="Pacific/Chatham", duration="PT4H", rrule="FREQ=YEARLY")
    utc_window = await create(op, title="UTC every 31 hours", start="2027-05-20T00:00:00",
                              timezone="UTC", duration="PT30M",
                              rrule="FREQ=HOURLY;INTERVAL=31;UNTIL=20280301T000000Z")
    paused = await create(op, title="Kolkata paused, daily at 02:00", start="2027-05-30T02:00:00",
                          timezone="Asia/Kolkata", rrule="FREQ=DAILY;COUNT=30", status="PAUSED")
    await move(op, paused, "2027-06-05", "2027-06-05T03:00:00", "2027-06-05T04:00:00")
    once = await create(op, title="Berlin one-time, in the gap", start="2028-03-26T02:30:00",
                        timezone="Europe/Berlin")
    dropped = await create(op, title="London one-time, cancelled", start="2027-07-01T10:00:00",
                           timezone="Europe/London")
    await cancel(op, dropped, "2027-07-01")
    return [berlin, last_sunday, new_york, london, london_old, kolkata, lord_howe,
            lord_howe_gap, sao_paulo, chatham, utc_window, paused, once, dropped]


def uid(window: dict) -> str:
    return f"window-{window['id']}@pitstop"


def counted(pairs: list[tuple[datetime, datetime]]) -> Counter[tuple[datetime, datetime]]:
    return Counter((s, e) for s, e in pairs if NOW <= s < END)


async def api_instances(op: httpx.AsyncClient, windows: list[dict]) -> Instances:
    """What pitstop says: each window's occurrences, stored and projected, not cancelled."""
    out: Instances = {}
    for window in windows:
        r = await op.get(f"/v1/windows/{window['id']}/occurrences", params={
            "from": iso(NOW), "to": iso(END), "projected": "true", "limit": 1000})
        out[uid(window)] = counted([(utc(o["start"]), utc(o["end"])) for o in r.json()["items"]
                                    if o["status"] != "CANCELLED"])
    return out


async def all_occurrences(op: httpx.AsyncClient) -> Instances:
    """``GET /v1/occurrences`` (stored occurrences only: the horizon), a month at a time."""
    out: Instances = {}
    at = NOW
    while at < END:
        r = await op.get("/v1/occurrences", params={
            "from": iso(at), "to": iso(min(at + timedelta(days=30), END)), "limit": 1000})
        items = r.json()["items"]
        assert len(items) < 1000
        for o in items:
            key = f"window-{o['window']}@pitstop"
            pair = (utc(o["start"]), utc(o["end"]))
            if o["status"] != "CANCELLED" and NOW <= pair[0] < END:
                out.setdefault(key, Counter())[pair] = 1
        at += timedelta(days=30)
    return out


def icaljs_instances(feed: bytes, prefix: Path) -> Instances:
    done = subprocess.run(["node", str(EXPAND_JS), str(prefix), iso(NOW), iso(END)],
                          input=feed, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    found = json.loads(done.stdout)
    return {key: counted([(utc(s), utc(e)) for s, e in pairs]) for key, pairs in found.items()}


def recurring_ical_events_instances(feed: bytes) -> Instances:
    out: Instances = {}
    for e in recurring_ical_events.of(Calendar.from_ical(feed)).between(NOW, END):
        if e.get("STATUS") != "CANCELLED":
            out.setdefault(str(e["UID"]), Counter())
            out[str(e["UID"])] += counted([(e["DTSTART"].dt.astimezone(UTC),
                                            e["DTEND"].dt.astimezone(UTC))])
    return out


def home_assistant_instances(feed: bytes) -> Instances:
    calendar = IcsCalendarStream.calendar_from_ics(feed.decode())
    out: Instances = {}
    for e in calendar.timeline_tz(UTC).overlapping(NOW, END):
        if str(e.status or "").upper().endswith("CANCELLED"):
            continue
        out.setdefault(e.uid, Counter())
        out[e.uid] += counted([(e.start.astimezone(UTC), e.end.astimezone(UTC))])
    return out


def differences(ours: Instances, theirs: Instances, titles: dict[str, str]) -> list[str]:
    out = []
    for key in sorted(set(ours) | set(theirs)):
        a, b = ours.get(key, Counter()), theirs.get(key, Counter())
        if a != b:
            out.append(f"{titles.get(key, key)}: missing {sorted(a - b)[:4]} "
                       f"extra {sorted(b - a)[:4]} ({(a - b).total()} missing, "
                       f"{(b - a).total()} extra of {a.total()})")
    return out


def client_failures(feed: bytes, ours: Instances, titles: dict[str, str], icaljs: IcalJs,
                    report: pytest.CaptureFixture[str]) -> list[str]:
    """Each client's reading of the feed against ``ours``, printing what was compared."""
    readers = {"recurring-ical-events": lambda: recurring_ical_events_instances(feed),
               "ical": lambda: home_assistant_instances(feed)}
    if icaljs.prefix is not None:
        prefix = icaljs.prefix
        readers["ical.js"] = lambda: icaljs_instances(feed, prefix)
    failures = []
    compared = sum(c.total() for c in ours.values())
    for name, read in readers.items():
        failures += [f"{name}: {d}" for d in differences(ours, read(), titles)]
        with report.disabled():  # shown in every run, not only when the test fails
            print(f"\n{name}: compared {compared} instances of {len(ours)} windows "
                  f"over {(END - NOW).days} days")
    return failures


async def test_ical_js_recurring_ical_events_and_ical_read_the_feed_as_pitstop(
        operator, anon, icaljs, capsys):
    windows = await build_windows(operator)
    titles = {uid(w): w["title"] for w in windows}
    ours = await api_instances(operator, windows)
    stored = await all_occurrences(operator)
    cut = NOW + timedelta(days=360)  # the two occurrence APIs agree where both answer
    for key, pairs in ours.items():
        assert {p for p in pairs if p[0] < cut} == \
            {p for p in stored.get(key, ()) if p[0] < cut}, titles[key]
    assert all(ours[uid(w)] for w in windows if w["title"] != "London one-time, cancelled")
    chatham = next(w for w in windows if w["title"] == "Chatham on 29 February")
    assert [s.date().isoformat() for s, _ in ours[uid(chatham)]] == ["2028-02-28"]  # UTC
    feed = (await anon.get("/v1/calendar.ics")).content
    failures = client_failures(feed, ours, titles, icaljs, capsys)
    assert not failures, "\n".join(failures)
    if icaljs.prefix is None:
        pytest.skip(f"ical.js not compared (the other two agree): {icaljs.missing}")


@pytest.mark.xfail(strict=True, reason=(
    "hourly rules across a DST change are not read alike: in the spring gap 02:00 and 03:00 "
    "are one instant, which pitstop counts once, and ical.js drops both for the EXDATE of "
    "03:00; recurring-ical-events keys an instance by its UTC and its local wall time "
    "together, so an override or EXDATE of one hourly instance also hides the instance "
    "whose local time equals its UTC time. Daily and slower rules are read alike."))
async def test_hourly_windows_in_a_zone_with_dst(operator, anon, icaljs, capsys):
    op = operator
    hourly_fall = await create(op, title="Berlin hourly over the autumn change",
                               start="2027-10-30T22:00:00", timezone="Europe/Berlin",
                               duration="PT20M", rrule="FREQ=HOURLY;COUNT=100")
    hourly_spring = await create(op, title="Berlin hourly over the spring change",
                                 start="2028-03-25T22:00:00", timezone="Europe/Berlin",
                                 duration="PT20M", rrule="FREQ=HOURLY;COUNT=100")
    await move(op, hourly_spring, "2028-03-26T04", "2028-03-26T04:10:00",
               "2028-03-26T04:40:00")
    windows = [hourly_fall, hourly_spring]
    ours = await api_instances(operator, windows)
    feed = (await anon.get("/v1/calendar.ics")).content
    failures = client_failures(feed, ours, {uid(w): w["title"] for w in windows}, icaljs,
                               capsys)
    assert not failures, "\n".join(failures)
