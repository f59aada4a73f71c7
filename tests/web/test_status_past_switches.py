"""Switch-based maintenance under the public page's past maintenance: beside window
occurrences, in time order, with its duration and its public message (never the reason),
one period however many held it, and only for the platform and services (nodes are not on
the public page). Checked in the page's HTML and in its composition."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once
from pitstop.services import status_page
from pitstop.services.public_maintenance import PAST_NEUTRAL_TEXT

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

SECRET = "internal: rotate the root password on db-7"


def _rows(html: str) -> list[dict[str, str]]:
    """Each past row's cells by their label, with the row's kind."""
    out = []
    for kind, cells in re.findall(r'<tr data-testid="past" data-kind="(\w+)"[^>]*>(.*?)</tr>',
                                  html, re.S):
        row = {"kind": kind}
        for label, value in re.findall(r'<td data-label="(\w+)">(.*?)</td>', cells, re.S):
            row[label] = value
        row["start"] = re.search(r'datetime="([^"]+)"', row["When"]).group(1)
        out.append(row)
    return out


async def enter(client, target: str, reason: str, **body: object) -> None:
    r = await client.post(f"/v1/targets/{target}/maintenance/enter",
                          json={"reason": reason, **body})
    assert r.status_code == 200, r.text


async def leave(client, target: str, reason: str = "done", **body: object) -> None:
    r = await client.post(f"/v1/targets/{target}/maintenance/exit",
                          json={"reason": reason, **body})
    assert r.status_code == 200, r.text


async def later(rt, minutes: int) -> None:
    clock.advance(timedelta(minutes=minutes))
    await run_once(rt, full=True)


async def test_switch_maintenance_is_listed_beside_windows_with_public_text_only(
        rt, admin, operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    r = await admin.post("/v1/nodes", json={"name": "edge-1", "labels": {}})
    assert r.status_code == 201, r.text
    r = await operator.post("/v1/windows", json={
        "title": "DB patch", "start": "2026-03-01T12:30:00", "timezone": "UTC",
        "duration": "PT1H", "affects": [{"selector": "service:api"}]})
    assert r.status_code == 201, r.text
    # 12:00-12:45 the platform, with a public message.
    await enter(operator, "platform", SECRET, public_message="Upgrading the network")
    await enter(admin, "node:edge-1", "node secret: swap disk")  # nodes are not public
    await later(rt, 45)
    await leave(operator, "platform", "network done, see ticket OPS-1")
    await leave(admin, "node:edge-1")
    # 14:00-15:00 the api service, held by two without a public message: one period.
    await later(rt, 75)
    await enter(operator, "service:api", "alice: reindex search")
    await later(rt, 10)
    await enter(admin, "service:api", "bob: also a kernel patch")
    await later(rt, 10)
    await leave(operator, "service:api")
    await later(rt, 40)
    await leave(admin, "service:api", "bob: finished")
    await later(rt, 30)  # 15:30: still on, so not past
    await enter(operator, "platform", "the next one, still on",
                public_message="Now in progress")

    html = (await anon.get("/")).text
    rows = _rows(html)
    assert [(r["kind"], r["Maintenance"], r["start"]) for r in rows] == [
        ("switch", PAST_NEUTRAL_TEXT, "2026-03-01T14:00:00Z"),
        ("window", "DB patch", "2026-03-01T12:30:00Z"),
        ("switch", "Upgrading the network", "2026-03-01T12:00:00Z"),
    ]
    assert [(r["Affected"], r["Duration"], r["Outcome"]) for r in rows] == [
        ("api", "1 h", "Completed"), ("api", "1 h", "Completed"),
        ("platform", "45 min", "Completed")]
    assert "2026-03-01T15:00:00Z" in rows[0]["When"]
    for secret in (SECRET, "OPS-1", "alice", "bob", "edge-1", "node secret"):
        assert secret not in html

    view = await status_page.compose(rt, clock.now(), since=None, until=None, page=1)
    assert [(m.kind, m.title, m.duration, m.status) for m in view.past] == [
        ("switch", PAST_NEUTRAL_TEXT, timedelta(hours=1), "COMPLETED"),
        ("window", "DB patch", timedelta(hours=1), "COMPLETED"),
        ("switch", "Upgrading the network", timedelta(minutes=45), "COMPLETED")]
    assert [dict(a) for a in view.past[0].affects] == [{"what": "api",
                                                        "impact": "MAINTENANCE"}]


async def test_the_public_text_is_the_newest_message_shown_while_it_lasted(
        rt, admin, operator, anon):
    await enter(operator, "platform", SECRET, public_message="Network upgrade")
    await later(rt, 5)
    await enter(admin, "platform", "bob: db", public_message="Database migration")
    await later(rt, 5)
    await leave(admin, "platform")  # the page shows "Network upgrade" again
    await later(rt, 5)
    await leave(operator, "platform")
    view = await status_page.compose(rt, clock.now(), since=None, until=None, page=1)
    assert [(m.title, m.start.isoformat(), m.duration) for m in view.past] == [
        ("Network upgrade", "2026-03-01T12:00:00+00:00", timedelta(minutes=15))]


async def test_an_expired_hold_and_an_admin_ending_it_for_all_both_end_a_period(
        rt, admin, operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    await enter(operator, "service:api", "x", public_message="Cache rebuild",
                expires_at="2026-03-01T12:20:00Z")
    await later(rt, 30)  # the scheduler records the expiry
    await enter(operator, "platform", "y", public_message="Failover test")
    await enter(admin, "platform", "z")
    await later(rt, 15)
    await leave(admin, "platform", "enough", all=True)
    rows = _rows((await anon.get("/")).text)
    assert [(r["Maintenance"], r["Affected"], r["Duration"]) for r in rows] == [
        ("Failover test", "platform", "15 min"), ("Cache rebuild", "api", "30 min")]


async def test_both_kinds_are_paged_and_filtered_together(rt, operator, anon):
    r = await operator.post("/v1/windows", json={
        "title": "Nightly vacuum", "start": "2026-03-01T13:00:00", "timezone": "UTC",
        "duration": "PT1H", "rrule": "FREQ=DAILY;COUNT=6", "affects": [{"selector": "platform"}]})
    assert r.status_code == 201
    for day in range(6):  # each day: the switch at 16:00 for 30 min, the window at 13:00
        await later(rt, 4 * 60)
        await enter(operator, "platform", SECRET, public_message=f"Switch {day}")
        await later(rt, 30)
        await leave(operator, "platform")
        await later(rt, 20 * 60 - 30)
    first = _rows((await anon.get("/")).text)
    assert [r["start"] for r in first] == [
        f"2026-03-0{d}T{h}:00:00Z" for d in (6, 5, 4, 3, 2) for h in (16, 13)]
    assert [r["Maintenance"] for r in first[:2]] == ["Switch 5", "Nightly vacuum"]
    second = _rows((await anon.get("/", params={"page": 2})).text)
    assert [r["start"] for r in second] == ["2026-03-01T16:00:00Z", "2026-03-01T13:00:00Z"]
    ranged = _rows((await anon.get("/", params={"from": "2026-03-03",
                                                "to": "2026-03-03"})).text)
    assert [(r["kind"], r["start"]) for r in ranged] == [
        ("switch", "2026-03-03T16:00:00Z"), ("window", "2026-03-03T13:00:00Z")]
