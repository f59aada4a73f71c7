"""The iCalendar feed: public windows, read by an independent expander, give exactly the
occurrences pitstop's own API gives over the next 90 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import recurring_ical_events
from icalendar import Calendar

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
DAYS = 90


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def create(client: httpx.AsyncClient, **body: object) -> dict:
    body = {"title": "maintenance", "duration": "PT1H", "affects": [{"selector": "platform"}],
            **body}
    r = await client.post("/v1/windows", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def api_slots(client: httpx.AsyncClient, window_id: int) -> set[tuple[datetime, datetime]]:
    r = await client.get(f"/v1/windows/{window_id}/occurrences", params={
        "from": iso(NOW), "to": iso(NOW + timedelta(days=DAYS)), "projected": "true",
        "limit": 1000})
    return {(datetime.fromisoformat(o["start"]), datetime.fromisoformat(o["end"]))
            for o in r.json()["items"] if o["status"] != "CANCELLED"}


def feed_slots(cal: Calendar, uid: str) -> set[tuple[datetime, datetime]]:
    events = recurring_ical_events.of(cal).between(NOW, NOW + timedelta(days=DAYS))
    return {(e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
            for e in events if str(e["UID"]) == uid and e.get("STATUS") != "CANCELLED"}


async def occurrence_ids(client: httpx.AsyncClient, window_id: int) -> list[int]:
    r = await client.get(f"/v1/windows/{window_id}/occurrences")
    return [o["id"] for o in r.json()["items"]]


async def test_the_feed_expands_to_the_same_occurrences_as_the_api(operator, anon):
    berlin = await create(operator, title="DB patching", start="2026-03-01T02:30:00",
                          timezone="Europe/Berlin", rrule="FREQ=WEEKLY;BYDAY=SU")
    la = await create(operator, title="Edge restarts", start="2026-03-01T20:00:00",
                      timezone="America/Los_Angeles", duration="PT45M",
                      rrule="FREQ=DAILY;UNTIL=20260415T000000Z")
    kolkata = await create(operator, title="Payments", start="2026-03-08T02:00:00",
                           timezone="Asia/Kolkata", rrule="FREQ=MONTHLY;BYDAY=2SU")
    once = await create(operator, title="Failover drill", start="2026-03-20T09:00:00",
                        timezone="Europe/London", description="quarterly")
    hidden = await create(operator, title="Internal", start="2026-03-02T10:00:00",
                          timezone="UTC", rrule="FREQ=DAILY", public=False)
    la_occs = await occurrence_ids(operator, la["id"])
    base = f"/v1/windows/{la['id']}/occurrences"
    assert (await operator.patch(f"{base}/{la_occs[0]}",
                                 json={"status": "CANCELLED"})).status_code == 200
    assert (await operator.delete(f"{base}/{la_occs[1]}")).status_code == 204
    assert (await operator.patch(f"{base}/{la_occs[2]}", json={
        "start": "2026-03-03T22:00:00", "end": "2026-03-03T23:30:00"})).status_code == 200

    r = await anon.get("/v1/calendar.ics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    assert {"Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Europe/London"} <= zones
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert f"window-{hidden['id']}@pitstop" not in uids

    for window in (berlin, la, kolkata, once):
        ours = await api_slots(operator, window["id"])
        assert ours, (window["title"], window)
        assert feed_slots(cal, f"window-{window['id']}@pitstop") == ours, window["title"]


async def test_until_is_written_in_utc_and_exceptions_name_their_slot(operator, anon):
    w = await create(operator, start="2026-03-02T09:00:00", timezone="Europe/Berlin",
                     rrule="FREQ=DAILY;UNTIL=20260310T080000Z")
    first = (await occurrence_ids(operator, w["id"]))[0]
    await operator.patch(f"/v1/windows/{w['id']}/occurrences/{first}",
                         json={"status": "CANCELLED"})
    text = (await anon.get("/v1/calendar.ics")).text
    assert "RRULE:FREQ=DAILY;UNTIL=20260310T080000Z" in text
    assert "EXDATE;TZID=Europe/Berlin:20260302T090000" in text
    assert "DTSTART;TZID=Europe/Berlin:20260302T090000" in text


async def test_time_zones_are_written_as_one_onset_per_change_in_the_time_before_it(
        operator, anon):
    """ical.js reads only the first value of a comma-separated RDATE, and an onset is the
    local time before the change: Berlin's 2026 spring change (01:00Z) is 02:00 at +0100,
    Lord Howe's autumn one (15:30Z) is 02:00 at +1030."""
    await create(operator, start="2026-03-02T09:00:00", timezone="Europe/Berlin",
                 rrule="FREQ=WEEKLY")
    await create(operator, start="2026-03-02T09:00:00", timezone="Australia/Lord_Howe",
                 rrule="FREQ=WEEKLY")
    cal = Calendar.from_ical((await anon.get("/v1/calendar.ics")).content)
    onsets = {}
    for zone in cal.walk("VTIMEZONE"):
        for block in zone.subcomponents:
            assert "RDATE" not in block and "RRULE" not in block
            onsets[(str(zone["TZID"]), block["DTSTART"].dt)] = (
                block["TZOFFSETFROM"].td, block["TZOFFSETTO"].td)
    hours = timedelta(hours=1)
    assert onsets[("Europe/Berlin", datetime(2026, 3, 29, 2))] == (hours, 2 * hours)
    assert onsets[("Europe/Berlin", datetime(2026, 10, 25, 3))] == (2 * hours, hours)
    assert onsets[("Australia/Lord_Howe", datetime(2026, 10, 4, 2))] == (
        timedelta(hours=10, minutes=30), 11 * hours)
    assert onsets[("Australia/Lord_Howe", datetime(2026, 4, 5, 2))] == (
        11 * hours, timedelta(hours=10, minutes=30))
    assert min(at for zone, at in onsets if zone == "Europe/Berlin") <= datetime(2026, 3, 2)
