"""Work nobody reports any more is not in flight: an offline node's reported workloads stop
counting (recorded lost, at the offline boundary the scheduler wakes for), admins can
force-release a lease or a reported run (audited), and the drain names what blocks it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler.loop import run_once
from pitstop.storage import events as events_q
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

RUNNING = [{"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"},
           {"workload": "metrics", "started_at": "2026-03-01T11:30:00Z"}]


@pytest.fixture
async def agent(app, admin):
    """node:edge-1 polling every 10 s (offline after 30 s unseen), with its agent client."""
    body = (await admin.post("/v1/nodes", json={"name": "edge-1"})).json()
    config = {"workloads": [{"name": "shipper"}, {"name": "metrics"}], "poll_interval_s": 10}
    assert (await admin.put("/v1/nodes/edge-1/config", json=config)).status_code == 200
    async with client_for(app, body["token"]) as client:
        yield client


async def _logged(rt, type_: str) -> list:
    await rt.settle()
    async with rt.db.read() as conn:
        return list(await events_q.events_after(conn=conn, after=0, limit=1000,
                                                types=[type_]))


async def _enter_platform(operator: httpx.AsyncClient) -> None:
    r = await operator.post("/v1/targets/platform/maintenance/enter", json={"reason": "deploy"})
    assert r.status_code == 200, r.text


async def test_an_offline_nodes_work_stops_counting_is_recorded_lost_and_drain_turns_safe(
        rt, admin, operator, agent):
    assert (await agent.post("/v1/agent/heartbeat", json={"running": RUNNING})).status_code \
        == 200
    await _enter_platform(operator)
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert (drain["in_flight"], drain["safe_to_deploy"]) == (2, False)
    assert {(w["node"], w["reported"], w["phase"]) for w in drain["leases"]} == {
        ("edge-1", True, "shipper"), ("edge-1", True, "metrics")}
    # The scheduler sleeps until the node's offline boundary (3 x 10 s), not a poll.
    assert await run_once(rt, full=False) == pytest.approx(30.0)

    clock.advance(timedelta(seconds=30))
    assert await run_once(rt, full=False) == 60.0  # nothing left to wake for
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert (drain["in_flight"], drain["safe_to_deploy"], drain["leases"]) == (0, True, [])
    lost = (await admin.get("/v1/history", params={"action": "lease.lost"})).json()["items"]
    assert sorted(row["details"]["workload"]["workload"] for row in lost) == [
        "metrics", "shipper"]
    assert {(row["actor"], row["target"]) for row in lost} == {("system", "node:edge-1")}
    assert "node edge-1 offline" in lost[0]["reason"]
    assert [(e["type"], e["target"]) for e in await _logged(rt, "lease.lost")] == [
        ("lease.lost", "node:edge-1")] * 2
    # Platform maintenance covers the node: both are safe now, each announced once.
    assert sorted(e["target"] for e in await _logged(rt, "drain.safe")) == [
        "node:edge-1", "platform"]
    node = (await admin.get("/v1/nodes/edge-1")).json()
    assert node["health"] == "offline" and len(node["running"]) == 2  # what it last said

    # The agent comes back: what it reports counts again.
    await agent.post("/v1/agent/heartbeat", json={"running": RUNNING[:1]})
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert (drain["in_flight"], drain["safe_to_deploy"]) == (1, False)
    assert (await admin.get("/v1/nodes/edge-1")).json()["health"] == "online"


async def test_work_recorded_lost_is_not_lost_again_after_a_restart(settings, rt, admin,
                                                                   agent):
    await agent.post("/v1/agent/heartbeat", json={"running": RUNNING})
    clock.advance(timedelta(seconds=30))
    await run_once(rt, full=False)
    node = (await admin.get("/v1/nodes/edge-1")).json()
    assert [r["lost_at"] for r in node["running"]] == ["2026-03-01T12:00:30Z"] * 2
    restarted = create_app(settings, run_scheduler=False)
    async with restarted.router.lifespan_context(restarted):
        assert await run_once(restarted.state.rt, full=True) == 60.0
    lost = (await admin.get("/v1/history", params={"action": "lease.lost"})).json()["items"]
    assert len(lost) == 2


async def test_contact_before_the_boundary_keeps_the_work_counting(rt, operator, agent):
    await agent.post("/v1/agent/heartbeat", json={"running": RUNNING})
    await _enter_platform(operator)
    clock.advance(timedelta(seconds=29))
    await agent.get("/v1/agent/config")  # a config poll is contact too
    clock.advance(timedelta(seconds=29))
    await run_once(rt, full=True)
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert drain["in_flight"] == 2
    assert (await operator.get("/v1/history", params={"action": "lease.lost"})).json()[
        "items"] == []


async def test_leases_list_shows_leases_and_reported_work_with_a_target_filter(
        operator, agent):
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    lease = (await operator.post("/v1/leases", json={
        "target": "service:api", "kind": "build", "holder": "runner-7"})).json()
    await agent.post("/v1/agent/heartbeat", json={"running": RUNNING[:1]})
    clock.advance(timedelta(seconds=5))
    everything = (await operator.get("/v1/leases")).json()["items"]
    assert [(i["id"], i["reported"], i["holder"], i["node"]) for i in everything] == [
        ("node:edge-1/shipper", True, "agent edge-1", "edge-1"),
        (lease["id"], False, "runner-7", None)]
    assert everything[1]["age_s"] == 5.0
    assert everything[1]["last_heartbeat"] == "2026-03-01T12:00:00Z"
    assert everything[0]["last_heartbeat"] == "2026-03-01T12:00:00Z"
    on_node = (await operator.get("/v1/leases", params={"target": "node:edge-1"})).json()
    assert [i["id"] for i in on_node["items"]] == ["node:edge-1/shipper"]
    under_platform = (await operator.get("/v1/leases", params={"target": "platform"})).json()
    assert len(under_platform["items"]) == 2


async def test_admin_force_releases_a_lease_audited_and_its_heartbeat_says_by_whom(
        rt, admin, operator):
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    lease = (await operator.post("/v1/leases", json={
        "target": "service:api", "kind": "build", "holder": "runner-7"})).json()
    await _enter_platform(operator)
    refused = await operator.post(f"/v1/leases/{lease['id']}/release",
                                  json={"reason": "runner died"})
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]
    assert (await admin.post(f"/v1/leases/{lease['id']}/release", json={"reason": " "})
            ).status_code == 422
    r = await admin.post(f"/v1/leases/{lease['id']}/release", json={"reason": "runner died"})
    assert r.status_code == 200, r.text
    assert (r.json()["holder"], r.json()["released_by"]) == ("runner-7", "admin-user")
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert (drain["in_flight"], drain["safe_to_deploy"]) == (0, True)
    rows = (await admin.get("/v1/history", params={"action": "lease.force_released"})
            ).json()["items"]
    assert [(row["actor"], row["reason"], row["target"], row["details"]["lease"]["holder"])
            for row in rows] == [("admin-user", "runner died", "service:api", "runner-7")]
    beat = await operator.post(f"/v1/leases/{lease['id']}/heartbeat")
    assert beat.status_code == 409
    assert "force-released by admin-user" in beat.json()["detail"]
    assert "runner died" in beat.json()["detail"]
    again = await admin.post(f"/v1/leases/{lease['id']}/release", json={"reason": "x"})
    assert again.status_code == 409
    missing = await admin.post("/v1/leases/nope/release", json={"reason": "x"})
    assert missing.status_code == 404 and "leases list" in missing.json()["detail"]
    assert [e["target"] for e in await _logged(rt, "lease.force_released")] == ["service:api"]


async def test_admin_releases_a_reported_run_until_the_agent_reports_a_new_one(
        admin, operator, agent):
    await agent.post("/v1/agent/heartbeat", json={"running": RUNNING})
    await _enter_platform(operator)
    r = await admin.post("/v1/leases/node:edge-1/shipper/release",
                         json={"reason": "stuck after OOM"})
    assert r.status_code == 200, r.text
    assert (r.json()["node"], r.json()["workload"]) == ("edge-1", "shipper")
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert [w["phase"] for w in drain["leases"]] == ["metrics"]
    rows = (await admin.get("/v1/history", params={"action": "lease.force_released"})
            ).json()["items"]
    assert (rows[0]["target"], rows[0]["actor"], rows[0]["details"]["workload"]["holder"]) \
        == ("node:edge-1", "admin-user", "agent edge-1")
    # The agent still reports that same run: it stays released, and the agent is told.
    beat = (await agent.post("/v1/agent/heartbeat", json={"running": RUNNING})).json()
    assert [(x["workload"], x["by"]) for x in beat["released"]] == [("shipper", "admin-user")]
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert drain["in_flight"] == 1
    # A new run of the workload counts again.
    restarted = [{"workload": "shipper", "started_at": "2026-03-01T12:00:00Z"}]
    await agent.post("/v1/agent/heartbeat", json={"running": restarted})
    drain = (await operator.get("/v1/targets/platform/drain")).json()
    assert [w["phase"] for w in drain["leases"]] == ["shipper"]


async def test_drain_json_lists_at_most_20_of_what_is_in_flight_with_the_total(operator):
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    for i in range(23):
        await operator.post("/v1/leases", json={
            "target": "service:api", "kind": "build", "holder": f"runner-{i}"})
        clock.advance(timedelta(seconds=1))
    drain = (await operator.get("/v1/targets/service:api/drain")).json()
    assert (drain["in_flight"], len(drain["leases"]), drain["more"]) == (23, 20, 3)
    assert drain["leases"][0]["holder"] == "runner-0"
