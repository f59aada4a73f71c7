"""Nodes and their agents: registration, the masked config with its ETag, heartbeats as
in-flight work, admin-only toggles, health that maintenance never hides, rate limits."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once
from pitstop.services.loader import load_snapshot
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

CONFIG = {
    "workloads": [{"name": "shipper", "image": "vector:0.40"}, {"name": "metrics"}],
    "poll_interval_s": 10,
    "pending_action": {"kind": "self_update", "version": "2.4.1"},
    "secrets": {"backend": "vault", "path": "kv/edge"},
    "push_url": "wss://pitstop.example/v1/stream",
}


async def register(admin: httpx.AsyncClient, name: str, **labels: str) -> dict:
    r = await admin.post("/v1/nodes", json={"name": name, "labels": labels})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
async def edge(app, admin):
    """node:edge-1 (region eu) with CONFIG, and a client holding its agent token."""
    body = await register(admin, "edge-1", region="eu")
    assert (await admin.put("/v1/nodes/edge-1/config", json=CONFIG)).status_code == 200
    async with client_for(app, body["token"]) as agent:
        yield agent


async def test_register_returns_the_agent_token_once(admin, operator):
    body = await register(admin, "edge-1", region="eu")
    assert body["token"].startswith("pst_")
    assert body["health"] == "unknown" and body["labels"] == {"region": "eu"}
    again = (await admin.get("/v1/nodes/edge-1")).json()
    assert "token" not in again
    assert (await operator.post("/v1/nodes", json={"name": "x"})).status_code == 403
    dup = await admin.post("/v1/nodes", json={"name": "edge-1"})
    assert dup.status_code == 409 and "rotate" in dup.json()["detail"]
    bad = await admin.post("/v1/nodes", json={"name": "Edge_1"})
    assert bad.status_code == 422


async def test_a_config_may_not_hold_the_field_pitstop_adds_in_maintenance(admin, edge):
    r = await admin.put("/v1/nodes/edge-1/config", json={**CONFIG, "maintenance": {"at": 2}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "config.maintenance"
    assert "reserved" in r.json()["detail"]
    assert (await edge.get("/v1/agent/config")).json() == CONFIG  # unchanged


async def test_config_outside_maintenance_is_the_desired_config(edge):
    r = await edge.get("/v1/agent/config")
    assert r.status_code == 200
    assert r.json() == CONFIG
    assert r.headers["etag"].startswith('"')


@pytest.mark.parametrize("way", ["own switch", "platform switch", "gating window"])
async def test_config_in_maintenance_masks_only_the_workloads(edge, admin, operator, way):
    normal = (await edge.get("/v1/agent/config")).json()
    if way == "own switch":
        r = await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    elif way == "platform switch":
        r = await operator.post("/v1/targets/platform/maintenance/enter",
                                json={"reason": "db migration"})
    else:
        r = await operator.post("/v1/windows", json={
            "title": "EU patching", "start": "2026-03-01T11:30:00", "timezone": "UTC",
            "duration": "PT1H", "affects": [{"selector": {"labels": {"region": "eu"}}}]})
    assert r.status_code in (200, 201), r.text
    masked = (await edge.get("/v1/agent/config")).json()
    maintenance = masked.pop("maintenance")
    assert masked == {**normal, "workloads": []}
    assert maintenance["causes"][0]["kind"] == ("window" if way == "gating window"
                                                else "switch")
    if way == "gating window":
        assert maintenance["until"] == "2026-03-01T12:30:00Z"


async def test_unchanged_config_is_304_and_a_change_is_200(edge, admin):
    first = await edge.get("/v1/agent/config")
    etag = first.headers["etag"]
    same = await edge.get("/v1/agent/config", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    changed = await edge.get("/v1/agent/config", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_agent_tokens_read_only_their_own_node(app, admin, edge):
    other = await register(admin, "edge-2")
    async with client_for(app, other["token"]) as agent2:
        assert (await agent2.get("/v1/agent/config")).json() == {"workloads": []}
        assert (await agent2.get("/v1/nodes/edge-1")).status_code == 403
        assert (await agent2.get("/v1/targets/node:edge-1")).status_code == 403
        assert (await agent2.post("/v1/nodes/edge-1/maintenance/enter",
                                  json={"reason": "x"})).status_code == 403
    async with client_for(app, "pst_not-a-token") as stranger:
        assert (await stranger.get("/v1/agent/config")).status_code == 401


async def test_toggling_is_admin_only_audited_and_counts_running_workloads(
        admin, operator, edge):
    await edge.post("/v1/agent/heartbeat", json={"version": "2.4.0", "running": [
        {"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"},
        {"workload": "metrics", "started_at": "2026-03-01T11:00:00Z"}]})
    refused = await operator.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "x"})
    assert refused.status_code == 403
    assert (await operator.post("/v1/targets/node:edge-1/maintenance/enter",
                                json={"reason": "x"})).status_code == 403
    r = await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "swap disk"})
    assert r.status_code == 200
    assert r.json()["running_workloads"] == 2
    assert r.json()["node"]["drain"]["safe_to_deploy"] is False
    r = await admin.post("/v1/nodes/edge-1/maintenance/exit", json={"reason": "disk swapped"})
    assert r.json()["node"]["in_maintenance"] is False
    rows = (await admin.get("/v1/history", params={"target": "node:edge-1"})).json()["items"]
    toggles = [(row["action"], row["actor"], row["reason"]) for row in rows
               if row["action"].startswith("node.maintenance")]
    assert toggles == [("node.maintenance_exited", "admin-user", "disk swapped"),
                       ("node.maintenance_entered", "admin-user", "swap disk")]


async def test_drain_turns_safe_when_the_agent_reports_nothing_running(admin, edge):
    await edge.post("/v1/agent/heartbeat", json={"running": [
        {"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"}]})
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    drain = (await admin.get("/v1/targets/node:edge-1/drain")).json()
    assert (drain["in_flight"], drain["safe_to_deploy"]) == (1, False)
    assert drain["leases"][0]["kind"] == "workload"
    r = await edge.post("/v1/agent/heartbeat", json={"running": []})
    assert r.json()["safe_to_deploy"] is True
    assert (await admin.get("/v1/targets/node:edge-1/drain")).json()["safe_to_deploy"] is True


async def test_a_node_in_maintenance_that_stops_reporting_shows_offline(admin, edge):
    await edge.get("/v1/agent/config")
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    node = (await admin.get("/v1/nodes/edge-1")).json()
    assert (node["health"], node["in_maintenance"]) == ("online", True)
    clock.advance(timedelta(seconds=31))  # poll_interval_s is 10: 3 intervals have passed
    node = (await admin.get("/v1/nodes/edge-1")).json()
    assert (node["health"], node["in_maintenance"]) == ("offline", True)
    assert node["last_seen"] == "2026-03-01T12:00:00Z"


async def test_polling_too_fast_gets_429_with_retry_after_in_maintenance_too(admin, edge):
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    statuses = [(await edge.get("/v1/agent/config")).status_code for _ in range(25)]
    assert statuses[:20] == [200] * 20
    limited = await edge.get("/v1/agent/config")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert (await edge.post("/v1/agent/heartbeat", content=b"not json")).status_code == 429


async def test_config_changed_events_follow_what_the_agent_would_see(rt, admin, operator,
                                                                     edge):
    await rt.settle()  # what registering and configuring the node derived
    seen = []
    rt.bus.subscribe(lambda e: seen.append(e) if e.type == "node.config_changed" else None)
    await admin.put("/v1/nodes/edge-1/config", json={**CONFIG, "poll_interval_s": 20})
    await operator.post("/v1/leases", json={"target": "node:edge-1", "kind": "k",
                                            "holder": "h"})  # not a config change
    await operator.post("/v1/windows", json={
        "title": "EU patching", "start": "2026-03-01T12:00:30", "timezone": "UTC",
        "duration": "PT1M", "ready_lead": 0,
        "affects": [{"selector": {"labels": {"region": "eu"}}}]})
    await rt.settle()
    assert len(seen) == 1  # the new desired config; the window has not started yet
    clock.advance(30)
    await run_once(rt, full=False)  # the occurrence starts: workloads masked
    await rt.settle()
    assert len(seen) == 2
    clock.advance(60)
    await run_once(rt, full=False)  # and ends
    await rt.settle()
    assert len(seen) == 3
    assert all(e.id is not None for e in seen)  # in the event log
    assert {e.target for e in seen} == {"node:edge-1"}


async def test_bulk_config_by_labels_and_rotation_and_delete(app, admin, operator, edge):
    await register(admin, "edge-2", region="eu")
    await register(admin, "core-1", region="us")
    r = await operator.put("/v1/nodes/config", json={"selector": {"labels": {"region": "eu"}},
                                                     "config": {"workloads": ["a", "b"]}})
    assert r.json() == {"updated": ["edge-1", "edge-2"]}
    assert (await edge.get("/v1/agent/config")).json() == {"workloads": ["a", "b"]}
    bad = await operator.put("/v1/nodes/edge-1/config", json={"image": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "config.workloads"
    rotated = (await admin.post("/v1/nodes/edge-1/token/rotate")).json()
    assert (await edge.get("/v1/agent/config")).status_code == 401
    async with client_for(app, rotated["token"]) as fresh:
        assert (await fresh.get("/v1/agent/config")).status_code == 200
        assert (await admin.delete("/v1/nodes/edge-1")).status_code == 204
        assert (await fresh.get("/v1/agent/config")).status_code == 401
    assert (await admin.get("/v1/nodes/edge-1")).status_code == 404
    assert [n["name"] for n in (await admin.get("/v1/nodes")).json()["items"]] == [
        "core-1", "edge-2"]


async def test_a_held_poll_answers_as_soon_as_the_config_changes(admin, edge):
    import asyncio

    etag = (await edge.get("/v1/agent/config")).headers["etag"]
    held = asyncio.create_task(edge.get("/v1/agent/config", params={"wait_s": 30},
                                        headers={"If-None-Match": etag}))
    await asyncio.sleep(0.05)
    assert not held.done()
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    r = await asyncio.wait_for(held, 5)
    assert r.status_code == 200 and r.json()["workloads"] == []
    bad = await edge.get("/v1/agent/config", params={"wait_s": "soon"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "wait_s"


async def test_a_held_poll_stays_held_through_changes_that_leave_its_config_alone(
        app, admin, edge):
    import asyncio

    other = await register(admin, "edge-2")
    etag = (await edge.get("/v1/agent/config")).headers["etag"]
    held = asyncio.create_task(edge.get("/v1/agent/config", params={"wait_s": 30},
                                        headers={"If-None-Match": etag}))
    await asyncio.sleep(0.05)
    beat = await edge.post("/v1/agent/heartbeat", json={"version": "1", "running": []})
    assert beat.status_code == 200
    assert (await admin.post("/v1/nodes/edge-2/maintenance/enter",
                             json={"reason": "disk"})).status_code == 200
    async with client_for(app, other["token"]) as edge2:
        assert (await edge2.get("/v1/agent/config")).json()["workloads"] == []
    await asyncio.sleep(0.05)
    assert not held.done()
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    r = await asyncio.wait_for(held, 5)
    assert r.status_code == 200 and r.json()["workloads"] == []
    assert r.headers["etag"] != etag


async def test_a_replica_that_is_not_the_leader_answers_its_held_polls_too(rt, admin, edge):
    import asyncio

    rt.leader = False  # it derives no node.config_changed; the leader records those
    etag = (await edge.get("/v1/agent/config")).headers["etag"]
    held = asyncio.create_task(edge.get("/v1/agent/config", params={"wait_s": 30},
                                        headers={"If-None-Match": etag}))
    await asyncio.sleep(0.05)
    await admin.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk"})
    r = await asyncio.wait_for(held, 5)
    assert r.status_code == 200 and r.json()["workloads"] == []


async def test_a_config_with_a_huge_float_reads_back_as_that_float(admin, edge):
    """PostgreSQL's jsonb writes 1e300 back as 301 digits: read as an int, no encoder could
    write it again, and every answer that shows the node (or any node's config) failed."""
    config = {"workloads": [], "limit": 1e300, "tiny": -2.5e-300, "big_int": 2**63 - 1}
    r = await admin.put("/v1/nodes/edge-1/config", json=config)
    assert r.status_code == 200, r.text
    assert r.json()["config"] == config
    assert (await edge.get("/v1/agent/config")).json() == config
    assert (await admin.put("/v1/services/api/status", json={"status": "UP"})).status_code == 200


async def test_config_changed_names_just_the_nodes_a_change_touches_after_a_reload(
        rt, admin, operator, edge):
    await register(admin, "edge-2", region="us")
    await rt.settle()
    await load_snapshot(rt)  # as at a start: no node's ETag is known until a change needs it
    seen = []
    rt.bus.subscribe(lambda e: seen.append(e.target) if e.type == "node.config_changed"
                     else None)
    await admin.put("/v1/targets/service:api", json={"labels": {"team": "a"}})
    await operator.post("/v1/targets/service:api/maintenance/enter", json={"reason": "db"})
    await rt.settle()
    assert seen == []  # a service's switch is in no node's config
    await admin.post("/v1/nodes/edge-2/maintenance/enter", json={"reason": "disk"})
    await rt.settle()
    assert seen == ["node:edge-2"]
    await operator.post("/v1/targets/platform/maintenance/enter", json={"reason": "db"})
    await rt.settle()
    assert sorted(seen[1:]) == ["node:edge-1", "node:edge-2"]  # edge-2: one cause more
    assert (await edge.get("/v1/agent/config")).json()["workloads"] == []
