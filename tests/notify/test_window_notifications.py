"""Windows notify their subscribers: reminders at each lead time, starting soon, in progress,
completed, cancelled and rescheduled — in the window's time zone, once each, and nothing stale
after downtime."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler.loop import run_once
from pitstop.services import horizon
from tests.notify.conftest import add_channel, deliver_all

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z, a Sunday


def window(**overrides: object) -> dict:
    body: dict = {"title": "DB upgrade", "start": "2026-03-03T10:00:00",
                  "timezone": "Europe/Berlin", "duration": "PT2H",
                  "affects": [{"selector": "service:api", "impact": "DOWN"},
                              {"selector": {"labels": {"region": "eu"}}}],
                  "reminders": ["P1D", "PT1H"], "description": "Postgres 17 to 18."}
    body.update(overrides)
    return body


async def create(client, **overrides: object) -> dict:
    r = await client.post("/v1/windows", json=window(**overrides))
    assert r.status_code == 201, r.text
    return r.json()


async def until(rt, text: str) -> None:
    """Move the frozen clock to ``text`` (UTC) and run the scheduler's jobs once."""
    clock.freeze(datetime.fromisoformat(text + "+00:00"))
    await run_once(rt, full=True)


async def kinds(admin, **params: str) -> list[str]:
    r = await admin.get("/v1/deliveries", params=params)
    return [d["kind"] for d in reversed(r.json()["items"])]


async def test_a_window_notifies_each_step_once_with_local_and_utc_times(rt, admin, receiver):
    await add_channel(admin, "hook", receiver.url)
    await create(admin)  # 10:00-12:00 Berlin (CET) = 09:00-11:00 UTC on Tuesday 3 March
    for moment in ("2026-03-02T08:59:59", "2026-03-02T09:00:00", "2026-03-02T09:00:30",
                   "2026-03-03T08:00:00", "2026-03-03T09:00:00", "2026-03-03T11:00:00",
                   "2026-03-03T11:00:00"):
        await until(rt, moment)
    assert await kinds(admin) == ["reminder", "reminder", "starting_soon", "in_progress",
                                  "completed"]
    await deliver_all(rt)
    messages = [r.json() for r in receiver.requests]
    day, hour, soon, ongoing, done = messages
    assert day["title"] == "Reminder: DB upgrade" and day["lead"] == "P1D"
    assert day["text"].startswith("DB upgrade starts in 1 day.")
    assert hour["text"].startswith("DB upgrade starts in 1 hour.")
    assert "When: Tue 03 Mar 2026 10:00 CET – Tue 03 Mar 2026 12:00 CET (Europe/Berlin); " \
           "Tue 03 Mar 2026 09:00 UTC – Tue 03 Mar 2026 11:00 UTC" in soon["text"]
    assert "Affects: service:api (DOWN); labels region=eu (MAINTENANCE)" in ongoing["text"]
    assert ongoing["occurrence"]["start_local"] == "2026-03-03T10:00:00+01:00"
    assert ongoing["window"]["timezone"] == "Europe/Berlin"
    assert done["title"] == "Completed: DB upgrade" and "Postgres 17 to 18." in done["text"]


async def test_downtime_over_a_whole_window_sends_only_what_is_true_now(rt, admin, receiver):
    await add_channel(admin, "hook", receiver.url)
    await create(admin)
    await until(rt, "2026-03-01T12:00:00")
    await until(rt, "2026-03-03T11:30:00")  # down from Sunday to after the window
    assert await kinds(admin) == ["completed"]
    await deliver_all(rt)
    [note] = [r.json() for r in receiver.requests]
    assert note["late"] is True and "recorded late" in note["text"]


async def test_after_downtime_only_the_nearest_reminder_goes_out(rt, admin):
    await add_channel(admin, "hook", "http://127.0.0.1:9/", events=["reminder"])
    await create(admin)
    await until(rt, "2026-03-03T08:30:00")  # both leads passed while down: 30 min to go
    await until(rt, "2026-03-03T08:40:00")
    r = await admin.get("/v1/deliveries")
    [reminder] = r.json()["items"]
    assert reminder["title"] == "Reminder: DB upgrade"


async def test_an_occurrence_created_inside_its_lead_is_reminded_at_once(rt, admin):
    await add_channel(admin, "hook", "http://127.0.0.1:9/", events=["reminder"])
    await create(admin, start="2026-03-01T13:40:00")  # 12:40 UTC: 40 minutes from now
    await until(rt, "2026-03-01T12:00:00")
    assert await kinds(admin) == ["reminder"]


async def test_moving_an_occurrence_notifies_and_rearms_its_reminders(rt, admin, receiver):
    await add_channel(admin, "hook", receiver.url)
    body = await create(admin)
    await until(rt, "2026-03-02T09:00:00")  # the 1-day reminder
    [occ] = body["occurrences"]
    r = await admin.patch(f"/v1/windows/{body['id']}/occurrences/{occ['id']}", json={
        "start": "2026-03-05T10:00:00", "end": "2026-03-05T12:00:00"})
    assert r.status_code == 200, r.text
    await until(rt, "2026-03-02T09:00:01")
    await until(rt, "2026-03-04T09:00:00")
    assert await kinds(admin) == ["reminder", "rescheduled", "reminder"]
    await deliver_all(rt)
    moved = receiver.requests[1].json()
    assert "When: Thu 05 Mar 2026 10:00 CET" in moved["text"]
    assert "Was: Tue 03 Mar 2026 10:00 CET" in moved["text"]


async def test_cancelling_notifies_cancelled(rt, admin):
    await add_channel(admin, "hook", "http://127.0.0.1:9/", events=["cancelled"])
    body = await create(admin)
    [occ] = body["occurrences"]
    r = await admin.patch(f"/v1/windows/{body['id']}/occurrences/{occ['id']}",
                          json={"status": "CANCELLED"})
    assert r.status_code == 200
    assert await kinds(admin) == ["cancelled"]


async def test_subscriptions_choose_by_kind_target_and_window(rt, admin):
    r = await admin.put("/v1/targets/node:eu-1", json={"labels": {"region": "eu"}})
    assert r.status_code in (200, 201)
    api = await add_channel(admin, "api team", "http://127.0.0.1:9/a",
                            events=["in_progress"], target="service:api")
    eu = await add_channel(admin, "eu node", "http://127.0.0.1:9/b", target="node:eu-1")
    other = await add_channel(admin, "web team", "http://127.0.0.1:9/c", target="service:web")
    body = await create(admin, reminders=[])
    only = await add_channel(admin, "this window", "http://127.0.0.1:9/d",
                             events=["completed"], window=body["id"])
    await until(rt, "2026-03-03T08:00:00")
    await until(rt, "2026-03-03T09:00:00")
    await until(rt, "2026-03-03T11:00:00")
    assert await kinds(admin, channel=api) == ["in_progress"]
    assert await kinds(admin, channel=eu) == ["starting_soon", "in_progress", "completed"]
    assert await kinds(admin, channel=other) == []
    assert await kinds(admin, channel=only) == ["completed"]
    r = await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "all"})
    assert await kinds(admin, channel=other) == ["maintenance_entered"]  # platform covers all


async def test_a_transition_handled_by_two_replicas_notifies_once(settings, rt, admin):
    await add_channel(admin, "hook", "http://127.0.0.1:9/", events=["in_progress"])
    await create(admin, reminders=[])
    await until(rt, "2026-03-03T08:00:00")
    second = create_app(settings, run_scheduler=False)
    async with second.router.lifespan_context(second):
        clock.freeze(clock.now() + timedelta(hours=1))
        results = await asyncio.gather(
            horizon.advance_occurrences(rt=rt, now=clock.now()),
            horizon.advance_occurrences(rt=second.state.rt, now=clock.now()))
        assert sorted(results) == [0, 1]
    assert await kinds(admin) == ["in_progress"]
