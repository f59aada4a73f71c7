"""Targets in maintenance are silenced in a real Alertmanager: a switch and a window
occurrence each create exactly one silence and expire it when the maintenance ends, across a
restart of pitstop and an outage of Alertmanager."""

from __future__ import annotations

from datetime import timedelta

import httpx

from pitstop import clock
from pitstop.scheduler.loop import run_once
from pitstop.services.tokens import create_token
from tests.conftest import client_for
from tests.silences.conftest import running, sync_silences

RULE = {"name": "prod nodes", "selector": {"labels": {"env": "prod"}},
        "matchers": [{"name": "instance", "value": "{name}"},
                     {"name": "env", "value": "{labels.env}"}]}


async def admin_secret(app) -> str:
    created = await create_token(rt=app.state.rt, name="admin", role="admin", actor="test")
    return created.secret


async def setup_fleet(admin: httpx.AsyncClient, **rule: object) -> None:
    for target, env in (("node:db-1", "prod"), ("node:db-2", "staging")):
        r = await admin.put(f"/v1/targets/{target}", json={"labels": {"env": env}})
        assert r.status_code in (200, 201), r.text
    r = await admin.post("/v1/silence-rules", json={**RULE, **rule})
    assert r.status_code == 201, r.text


def matchers(silence: dict) -> dict[str, str]:
    return {m["name"]: m["value"] for m in silence["matchers"]}


async def target_silences(client: httpx.AsyncClient, target: str) -> list[dict]:
    r = await client.get(f"/v1/targets/{target}/silences")
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_a_switch_creates_one_silence_and_expires_it_across_restart_and_outage(
        settings, alertmanager, now):
    async with running(settings) as app:
        secret = await admin_secret(app)
        async with client_for(app, secret) as admin:
            await setup_fleet(admin)
            r = await admin.post("/v1/targets/node:db-1/maintenance/enter", json={
                "reason": "disk swap", "public_message": "Disk replacement"})
            assert r.status_code == 200, r.text
            await sync_silences(app.state.rt)

            [silence] = alertmanager.active()
            assert matchers(silence) == {"instance": "db-1", "env": "prod"}
            assert silence["comment"].startswith("node:db-1: Disk replacement")
            assert "disk swap" not in silence["comment"]  # the public message, not the reason
            [row] = await target_silences(admin, "node:db-1")
            assert row["alertmanager_id"] == silence["id"] and row["state"] == "active"
            assert await target_silences(admin, "node:db-2") == []  # staging: no rule

            alertmanager.stop()  # an outage: the exit is recorded, its expiry waits
            r = await admin.post("/v1/targets/node:db-1/maintenance/exit",
                                 json={"reason": "done"})
            assert r.status_code == 200, r.text
            await sync_silences(app.state.rt)
            [row] = await target_silences(admin, "node:db-1")
            assert row["state"] == "ending" and "unreachable" in row["last_error"]

    async with running(settings) as again:  # pitstop restarted, then Alertmanager is back
        alertmanager.start()
        await sync_silences(again.state.rt)
        async with client_for(again, secret) as client:
            [row] = await target_silences(client, "node:db-1")
    assert row["state"] == "ended" and row["last_error"] is None
    assert alertmanager.active() == []
    [expired] = alertmanager.silences()
    assert expired["id"] == silence["id"]


async def test_a_window_occurrence_creates_one_silence_and_expires_it(
        settings, alertmanager, now):
    start = now + timedelta(minutes=10)
    async with running(settings) as app:
        secret = await admin_secret(app)
        async with client_for(app, secret) as admin:
            await setup_fleet(admin, padding_s=300)
            r = await admin.post("/v1/windows", json={
                "title": "Kernel upgrade", "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "timezone": "UTC", "duration": "PT30M", "ready_lead": 0, "public": True,
                "affects": [{"selector": {"labels": {"env": "prod"}}}]})
            assert r.status_code == 201, r.text
            await sync_silences(app.state.rt)
            assert alertmanager.silences() == []  # not in maintenance yet

            clock.freeze(start)
            await run_once(app.state.rt, full=True)  # the occurrence starts
            await sync_silences(app.state.rt)
            [silence] = alertmanager.active()
            assert matchers(silence) == {"instance": "db-1", "env": "prod"}
            assert silence["comment"].startswith("node:db-1: Kernel upgrade")
            [row] = await target_silences(admin, "node:db-1")
            assert row["alertmanager_id"] == silence["id"]
            assert row["ends_at"] == _z(start + timedelta(minutes=35))  # end + padding

    alertmanager.stop()  # pitstop stopped; Alertmanager goes down while it is away
    clock.freeze(start + timedelta(minutes=30))
    async with running(settings) as again:
        await run_once(again.state.rt, full=True)  # the occurrence completes
        await sync_silences(again.state.rt)
        async with client_for(again, secret) as client:
            [row] = await target_silences(client, "node:db-1")
            assert row["state"] == "ending" and "unreachable" in row["last_error"]
            alertmanager.start()
            await sync_silences(again.state.rt)
            [row] = await target_silences(client, "node:db-1")
    assert row["state"] == "ended"
    assert alertmanager.active() == []
    assert [s["id"] for s in alertmanager.silences()] == [silence["id"]]


def _z(at) -> str:
    return at.isoformat().replace("+00:00", "Z")
