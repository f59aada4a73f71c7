"""An update posted during a maintenance is a notification: written to the outbox with the
change, delivered to a subscribed webhook (signed), in order with the other facts about the
same maintenance, and only to the channels that chose it and what it concerns."""

from __future__ import annotations

import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once
from tests.notify.conftest import SECRET, add_channel, deliver_all, deliveries

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z


async def test_a_webhook_gets_an_update_on_a_window_after_its_start(rt, admin, receiver):
    channel = await add_channel(admin, "hook", receiver.url + "/hook",
                                events=["in_progress", "maintenance_update"])
    r = await admin.post("/v1/windows", json={
        "title": "DB upgrade", "start": "2026-03-01T13:00:30", "timezone": "Europe/Berlin",
        "duration": "PT2H", "affects": [{"selector": "service:api"}]})
    wid, oid = r.json()["id"], r.json()["occurrences"][0]["id"]
    clock.advance(60)  # 12:01 UTC: started 30 s ago
    await run_once(rt, full=True)
    r = await admin.post(f"/v1/windows/{wid}/occurrences/{oid}/updates", json={
        "body": "Replica **promoted**; see [the runbook](https://example.org/rb).",
        "status": "verifying"})
    assert r.status_code == 201, r.text
    outbox = await deliveries(admin)  # written with the change, before any delivery
    assert [d["kind"] for d in outbox] == ["maintenance_update", "in_progress"]
    await deliver_all(rt)
    started, update = receiver.requests
    assert update.signature_ok(SECRET) and update.headers["x-pitstop-event"] == \
        "maintenance_update"
    body = update.json()
    assert body["kind"] == "maintenance_update" and body["title"] == "Update: DB upgrade"
    assert body["text"].startswith("Update on DB upgrade (Verifying), Sun 01 Mar 2026 12:01 UTC")
    assert body["text"].endswith("Replica **promoted**; see [the runbook]"
                                 "(https://example.org/rb).")
    assert body["update"]["status"] == "verifying" and body["update"]["actor"] == "admin-user"
    assert "<strong>promoted</strong>" in body["update"]["html"]
    assert body["window"]["id"] == wid and body["occurrence"] == {"id": oid}
    assert body["event"]["type"] == "maintenance_update.posted"
    assert started.json()["kind"] == "in_progress"
    assert {d["status"] for d in await deliveries(admin)} == {"delivered"}
    assert channel


async def test_a_switch_update_goes_to_subscribers_of_that_target_only(rt, admin, receiver):
    await add_channel(admin, "api", receiver.url + "/api", events=["maintenance_update"],
                      target="service:api")
    await add_channel(admin, "db", receiver.url + "/db", events=["maintenance_update"],
                      target="service:db")
    await add_channel(admin, "switches", receiver.url + "/switches",
                      events=["maintenance_entered"])
    for name in ("api", "db"):
        await admin.put(f"/v1/targets/service:{name}", json={})
    await admin.post("/v1/targets/service:api/maintenance/enter", json={"reason": "disk"})
    r = await admin.post("/v1/targets/service:api/maintenance/updates",
                         json={"body": "Disk replaced."})
    assert r.status_code == 201, r.text
    await deliver_all(rt)
    by_path = {req.path: req.json() for req in receiver.requests}
    assert set(by_path) == {"/api", "/switches"}  # not the db's, not an update to /switches
    note = by_path["/api"]
    assert note["title"] == "Update: service:api" and note["target"] == "service:api"
    assert note["text"].endswith("Disk replaced.")


async def test_existing_subscriptions_to_every_kind_include_updates(rt, admin, receiver):
    await add_channel(admin, "all", receiver.url)  # events omitted: every kind
    await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "net"})
    await admin.post("/v1/targets/platform/maintenance/updates", json={"body": "Halfway."})
    await deliver_all(rt)
    assert [r.json()["kind"] for r in receiver.requests] == ["maintenance_entered",
                                                            "maintenance_update"]
