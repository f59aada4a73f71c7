"""Windows over HTTP: creation, validation, occurrences in the window's own time zone, the
lifecycle to the second, manual changes that stay, edits, pause, and delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once

pytestmark = pytest.mark.usefixtures("frozen")  # frozen at 2026-03-01T12:00Z (a Sunday)


def window(**overrides: object) -> dict:
    body: dict = {"title": "DB upgrade", "start": "2026-03-01T14:00:00", "timezone": "UTC",
                  "duration": "PT1H", "affects": [{"selector": "platform"}]}
    body.update(overrides)
    return body


async def create(client: httpx.AsyncClient, **overrides: object) -> dict:
    r = await client.post("/v1/windows", json=window(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def occurrences(client: httpx.AsyncClient, window_id: int, **params: str) -> list[dict]:
    r = await client.get(f"/v1/windows/{window_id}/occurrences", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def tick(rt, seconds: float = 0) -> None:
    """Advance the frozen clock and let the scheduler run what is due (a full pass)."""
    if seconds:
        clock.advance(timedelta(seconds=seconds))
    await run_once(rt, full=True)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))



async def test_a_one_time_window_has_exactly_one_occurrence(operator, rt):
    body = await create(operator, description="minor version", reminders=["P1D", "PT1H"])
    assert body["recurring"] is False
    assert body["duration"] == "PT1H" and body["ready_lead"] == "PT1H"
    assert body["reminders"] == ["P1D", "PT1H"]
    [occ] = body["occurrences"]
    assert occ["status"] == "SCHEDULED"
    assert (occ["start"], occ["end"]) == ("2026-03-01T14:00:00Z", "2026-03-01T15:00:00Z")
    assert occ["reminders"] == ["2026-02-28T14:00:00Z", "2026-03-01T13:00:00Z"]
    for _ in range(3):
        await tick(rt, 60)
    assert len(await occurrences(operator, body["id"])) == 1
    got = (await operator.get(f"/v1/windows/{body['id']}")).json()
    assert got["title"] == "DB upgrade" and got["created_by"] == "operator-user"


async def test_a_one_time_window_beyond_the_horizon_has_its_occurrence_at_once(operator, rt):
    body = await create(operator, start="2026-06-01T09:00:00", timezone="Europe/Paris")
    [occ] = body["occurrences"]
    assert (occ["status"], occ["start_local"]) == ("SCHEDULED", "2026-06-01T09:00:00+02:00")
    await tick(rt, 86400)
    assert len(await occurrences(operator, body["id"])) == 1


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"rrule": "FREQ=SOMETIMES"}, "rrule", "invalid rrule"),
    ({"timezone": "Mars/Olympus"}, "timezone", "unknown time zone"),
    ({"duration": "PT0S"}, "duration", "positive"),
    ({"duration": -60}, "duration", "positive"),
    ({"rrule": "DTSTART:20260301T140000\nRRULE:FREQ=DAILY"}, "rrule", "DTSTART"),
    ({"rrule": "FREQ=DAILY;UNTIL=20250101T000000Z"}, "rrule", "no occurrence"),
    ({"rrule": "FREQ=MINUTELY"}, "rrule", "at most hourly"),
    ({"rrule": "FREQ=HOURLY;BYMINUTE=0,30"}, "rrule", "at most hourly"),
    ({"rrule": "FREQ=DAILY;BYSECOND=0,30"}, "rrule", "BYSECOND may hold one value"),
    ({"start": "2026-03-01T14:00:00+01:00"}, "start", "without an offset"),
    ({"start": "2026-02-01T14:00:00"}, "start", "past"),
    ({"affects": [{"selector": "box:1"}]}, "affects", "affects[0].selector"),
    ({"affects": [{"selector": "platform", "impact": "BROKEN"}]}, "affects.0.impact", ""),
    ({"affects": []}, "affects", ""),
    ({"reminders": ["PT0S"]}, "reminders.0", "reminder"),
])
async def test_bad_windows_get_a_422_naming_the_field(operator, overrides, field, words):
    r = await operator.post("/v1/windows", json=window(**overrides))
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in problem["errors"]]
    assert words in problem["detail"]
    assert (await operator.get("/v1/windows")).json()["items"] == []


async def test_preview_shows_the_next_occurrences_without_saving(operator):
    r = await operator.post("/v1/recurrence/preview", json={
        "start": "2026-03-01T02:30:00", "timezone": "Europe/Berlin", "duration": 3600,
        "rrule": "FREQ=WEEKLY;BYDAY=SU", "count": 3})
    assert r.status_code == 200, r.text
    occs = r.json()["occurrences"]
    # 1 March has passed its 02:30 (now is 13:00 Berlin): the next three Sundays
    assert [o["start_local"] for o in occs] == [
        "2026-03-08T02:30:00+01:00", "2026-03-15T02:30:00+01:00", "2026-03-22T02:30:00+01:00"]
    assert (await operator.get("/v1/windows")).json()["items"] == []
    bad = await operator.post("/v1/recurrence/preview", json={
        "start": "2026-03-01T02:30:00", "timezone": "Nowhere/Atall", "duration": 60,
        "rrule": "FREQ=DAILY"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "timezone"



async def test_berlin_0230_across_both_dst_changes(operator, rt):
    clock.freeze(datetime(2026, 3, 20, tzinfo=UTC))
    body = await create(operator, start="2026-03-22T02:30:00", timezone="Europe/Berlin",
                        rrule="FREQ=WEEKLY;BYDAY=SU")
    spring = await occurrences(operator, body["id"], to="2026-04-06T00:00:00Z", projected="true")
    assert [o["start_local"] for o in spring] == [
        "2026-03-22T02:30:00+01:00",
        "2026-03-29T03:30:00+02:00",  # 02:30 does not exist: the later offset
        "2026-04-05T02:30:00+02:00",
    ]
    assert [o["start"] for o in spring] == [
        "2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z"]
    autumn = await occurrences(operator, body["id"], **{"from": "2026-10-24T00:00:00Z",
                                                        "to": "2026-11-02T00:00:00Z"},
                               projected="true")
    assert [o["start_local"] for o in autumn] == [
        "2026-10-25T02:30:00+02:00",  # the first 02:30 of the fall-back night
        "2026-11-01T02:30:00+01:00",
    ]
    assert [o["end"] for o in autumn] == ["2026-10-25T01:30:00Z", "2026-11-01T02:30:00Z"]


@pytest.mark.parametrize(("zone", "start", "utc_start"), [
    ("Asia/Kolkata", "2026-03-08T02:00:00", "2026-03-07T20:30:00Z"),  # Saturday in UTC
    ("America/Los_Angeles", "2026-03-01T20:00:00", "2026-03-02T04:00:00Z"),  # Monday in UTC
])
async def test_byday_is_the_local_weekday(operator, zone, start, utc_start):
    body = await create(operator, start=start, timezone=zone, rrule="FREQ=WEEKLY;BYDAY=SU")
    occs = await occurrences(operator, body["id"])
    assert occs[0]["start"] == utc_start
    for occ in occs:
        assert at(occ["start_local"]).weekday() == 6  # Sunday where the window is


async def test_count_10_is_recurring_with_ten_occurrences(operator, rt):
    body = await create(operator, start="2026-03-01T14:00:00", rrule="FREQ=DAILY;COUNT=10")
    assert body["recurring"] is True
    assert len(await occurrences(operator, body["id"])) == 7  # the horizon: 7 days
    await tick(rt, 3 * 86400)
    occs = await occurrences(operator, body["id"], **{"from": "2026-01-01T00:00:00Z"})
    assert len(occs) == 10
    assert occs[-1]["start"] == "2026-03-10T14:00:00Z"
    await tick(rt, 30 * 86400)
    assert len(await occurrences(operator, body["id"], **{"from": "2026-01-01T00:00:00Z"})) == 10



async def test_lifecycle_to_the_second(operator, rt):
    body = await create(operator, start="2026-03-01T14:00:00")
    wid = body["id"]
    clock.advance(3600 - 12.5)
    assert await run_once(rt, full=False) == 12.5  # sleeps until READY at 13:00, exactly
    await tick(rt, 12.5)
    assert (await occurrences(operator, wid))[0]["status"] == "READY"
    clock.advance(3600 - 0.25)
    assert await run_once(rt, full=False) == 0.25  # until the start at 14:00
    await tick(rt, 0.25)
    assert (await occurrences(operator, wid))[0]["status"] == "ONGOING"
    await tick(rt, 3600)
    [occ] = await occurrences(operator, wid, **{"from": "2026-03-01T00:00:00Z"})
    assert occ["status"] == "COMPLETED"
    rows = (await operator.get("/v1/history", params={"target": f"window:{wid}"})).json()
    actions = [(r["action"], r["details"].get("late")) for r in rows["items"]]
    assert actions == [("occurrence.completed", False), ("occurrence.ongoing", False),
                       ("occurrence.ready", False), ("window.created", None)]


async def test_created_inside_its_lead_time_starts_ready(operator):
    body = await create(operator, start="2026-03-01T12:30:00")
    assert body["occurrences"][0]["status"] == "READY"


async def test_created_mid_window_is_ongoing_at_once_and_gates(operator, rt):
    body = await create(operator, start="2026-03-01T11:30:00")
    assert body["occurrences"][0]["status"] == "ONGOING"
    target = (await operator.get("/v1/targets/platform")).json()
    assert target["in_maintenance"] is True
    [cause] = target["causes"]
    assert cause["kind"] == "window" and cause["window"] == body["id"]
    assert cause["until"] == "2026-03-01T12:30:00Z" and cause["reason"] == "DB upgrade"


async def test_manual_complete_cancel_and_bad_moves(operator, rt):
    body = await create(operator, start="2026-03-01T11:30:00")
    wid, oid = body["id"], body["occurrences"][0]["id"]
    url = f"/v1/windows/{wid}/occurrences/{oid}"
    r = await operator.patch(url, json={"start": "2026-03-02T10:00:00Z",
                                        "end": "2026-03-02T11:00:00Z"})
    assert r.status_code == 409 and "only a SCHEDULED or READY" in r.json()["detail"]
    clock.advance(60)
    r = await operator.patch(url, json={"status": "COMPLETED"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "COMPLETED" and r.json()["end"] == "2026-03-01T12:01:00Z"
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False
    r = await operator.patch(url, json={"status": "CANCELLED"})
    assert r.status_code == 409 and "final" in r.json()["detail"]

    other = await create(operator, start="2026-03-03T10:00:00")
    url2 = f"/v1/windows/{other['id']}/occurrences/{other['occurrences'][0]['id']}"
    cases = [
        ({"status": "COMPLETED"}, 409, "SCHEDULED cannot become COMPLETED"),
        ({"status": "ONGOING"}, 422, "COMPLETED or CANCELLED"),
        ({"start": "2026-03-04T10:00:00Z"}, 422, "both start and end"),
        ({"start": "2026-03-04T10:00:00Z", "end": "2026-03-04T09:00:00Z"}, 422, "not after"),
        ({"status": "CANCELLED", "start": "2026-03-04T10:00:00Z",
          "end": "2026-03-04T11:00:00Z"}, 422, "not both"),
    ]
    for patch, status, words in cases:
        r = await operator.patch(url2, json=patch)
        assert r.status_code == status, (patch, r.text)
        assert words in r.json()["detail"]
    [occ] = await occurrences(operator, other["id"])
    assert (occ["status"], occ["start"]) == ("SCHEDULED", "2026-03-03T10:00:00Z")


async def test_cancel_before_start_keeps_the_planned_times(operator):
    body = await create(operator, start="2026-03-01T12:30:00")  # READY
    occ = body["occurrences"][0]
    r = await operator.patch(f"/v1/windows/{body['id']}/occurrences/{occ['id']}",
                             json={"status": "CANCELLED"})
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["start"], r.json()["end"]) == (
        "CANCELLED", occ["start"], occ["end"])


async def test_moving_recomputes_status_and_reminders(operator):
    body = await create(operator, start="2026-03-03T10:00:00", reminders=["PT2H"])
    occ = body["occurrences"][0]
    r = await operator.patch(f"/v1/windows/{body['id']}/occurrences/{occ['id']}",
                             json={"start": "2026-03-01T12:20:00", "end": "2026-03-01T13:00:00"})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["status"] == "READY" and moved["moved"] is True
    assert moved["recurrence_id"] == "2026-03-03T10:00:00Z"
    assert moved["reminders"] == ["2026-03-01T10:20:00Z"]



async def test_cancelled_deleted_and_moved_occurrences_never_come_back(operator, rt):
    body = await create(operator, start="2026-03-01T12:30:00", rrule="FREQ=DAILY")
    wid = body["id"]
    first, second, third = (await occurrences(operator, wid))[:3]
    assert first["status"] == "READY"
    base = f"/v1/windows/{wid}/occurrences"
    assert (await operator.patch(f"{base}/{first['id']}",
                                 json={"status": "CANCELLED"})).status_code == 200
    assert (await operator.delete(f"{base}/{second['id']}")).status_code == 204
    assert (await operator.patch(f"{base}/{third['id']}", json={
        "start": "2026-03-03T16:00:00Z", "end": "2026-03-03T17:00:00Z"})).status_code == 200
    for _ in range(10):
        await tick(rt, 600)
        await run_once(rt, full=True)
    occs = await occurrences(operator, wid, **{"from": "2026-03-01T00:00:00Z"})
    by_rid = {}
    for occ in occs:
        assert occ["recurrence_id"] not in by_rid, "a slot was generated twice"
        by_rid[occ["recurrence_id"]] = occ
    assert by_rid[first["recurrence_id"]]["status"] == "CANCELLED"
    assert second["recurrence_id"] not in by_rid
    assert by_rid[third["recurrence_id"]]["start"] == "2026-03-03T16:00:00Z"
    r = await operator.delete(f"{base}/{second['id']}")
    assert r.status_code == 404


async def test_editing_while_one_is_ongoing_and_the_next_ready(operator, rt):
    # hourly, 30 min long: at 12:10 the 12:00 one is ONGOING and the 13:00 one READY
    body = await create(operator, start="2026-03-01T12:00:00", duration="PT30M",
                        rrule="FREQ=HOURLY;COUNT=5")
    wid = body["id"]
    clock.advance(600)
    await tick(rt)
    before = await occurrences(operator, wid)
    assert [o["status"] for o in before[:2]] == ["ONGOING", "READY"]
    r = await operator.patch(f"/v1/windows/{wid}", json={"duration": "PT20M"})
    assert r.status_code == 200, r.text
    after = await occurrences(operator, wid, **{"from": "2026-03-01T00:00:00Z"})
    assert after[0]["id"] == before[0]["id"] and after[0]["status"] == "ONGOING"
    assert after[0]["end"] == "2026-03-01T12:30:00Z"  # the ONGOING one stays as it was
    assert after[1]["id"] != before[1]["id"] and after[1]["status"] == "READY"
    assert [o["end"] for o in after[1:]] == [
        "2026-03-01T13:20:00Z", "2026-03-01T14:20:00Z", "2026-03-01T15:20:00Z",
        "2026-03-01T16:20:00Z"]
    assert len({o["recurrence_id"] for o in after}) == len(after) == 5
    history = (await operator.get("/v1/history", params={"action": "window.updated"})).json()
    assert history["items"][0]["details"]["replaced_occurrences"] == 4


async def test_pausing_stops_occurrences_from_starting_and_resuming_restarts(operator, rt):
    body = await create(operator, start="2026-03-01T12:30:00", rrule="FREQ=DAILY")
    wid = body["id"]
    r = await operator.patch(f"/v1/windows/{wid}", json={"status": "PAUSED"})
    assert r.status_code == 200 and r.json()["occurrences"][0]["paused"] is True
    await tick(rt, 1800)  # 12:30: the start passes while paused
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False
    assert (await occurrences(operator, wid))[0]["status"] == "READY"
    await operator.patch(f"/v1/windows/{wid}", json={"status": "ACTIVE"})
    await tick(rt)
    first = (await occurrences(operator, wid))[0]
    assert first["status"] == "ONGOING"
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is True
    actions = [r["action"] for r in (await operator.get(
        "/v1/history", params={"target": f"window:{wid}"})).json()["items"]]
    assert "window.paused" in actions and "window.resumed" in actions


async def test_an_occurrence_paused_past_its_end_is_cancelled_not_stuck(operator, rt):
    body = await create(operator, start="2026-03-01T14:00:00")
    wid = body["id"]
    await operator.patch(f"/v1/windows/{wid}", json={"status": "PAUSED"})
    await tick(rt, 4 * 3600)
    [occ] = await occurrences(operator, wid, **{"from": "2026-03-01T00:00:00Z"})
    assert occ["status"] == "CANCELLED"


async def test_deleting_a_window_deletes_its_occurrences(operator, rt):
    body = await create(operator, start="2026-03-01T11:30:00", rrule="FREQ=DAILY")
    wid = body["id"]
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is True
    assert (await operator.delete(f"/v1/windows/{wid}")).status_code == 204
    assert (await operator.get(f"/v1/windows/{wid}")).status_code == 404
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False
    assert (await operator.get("/v1/occurrences")).json()["items"] == []
    assert (await operator.delete(f"/v1/windows/{wid}")).status_code == 404


async def test_viewers_read_windows_but_cannot_change_them(app, secrets, operator):
    from tests.conftest import client_for

    body = await create(operator)
    async with client_for(app, secrets["viewer"]) as viewer:
        assert (await viewer.get(f"/v1/windows/{body['id']}")).status_code == 200
        assert (await viewer.post("/v1/windows", json=window())).status_code == 403
        assert (await viewer.delete(f"/v1/windows/{body['id']}")).status_code == 403


async def test_projection_beyond_the_horizon_continues_where_generation_stopped(operator, rt):
    body = await create(operator, start="2026-03-01T14:00:00", rrule="FREQ=DAILY")
    await tick(rt, 3 * 86400)  # the refresher has generated three more days since
    occs = await occurrences(operator, body["id"], **{"from": "2026-03-01T00:00:00Z",
                                                      "to": "2026-03-20T00:00:00Z"},
                             projected="true")
    starts = [o["start"] for o in occs]
    assert len(starts) == len(set(starts)) == 19
    assert [o["projected"] for o in occs].count(False) == 10  # 1 March .. 10 March stored
