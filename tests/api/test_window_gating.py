"""Windows gate work: an in-progress occurrence refuses leases until its end, work that would
run into one is refused ahead of time (maintenance_soon), drain works as for a switch; and the
status services display."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler.loop import run_once
from pitstop.services.tokens import create_token
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z


async def make_window(client: httpx.AsyncClient, start: str, affects: list[dict],
                      **extra: object) -> dict:
    body = {"title": "Kernel patching", "start": start, "timezone": "UTC", "duration": "PT1H",
            "affects": affects, **extra}
    r = await client.post("/v1/windows", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def lease(client: httpx.AsyncClient, target: str, **extra: object) -> httpx.Response:
    return await client.post("/v1/leases", json={"target": target, "kind": "job",
                                                 "holder": "w1", **extra})


async def test_an_ongoing_window_refuses_leases_until_its_end(operator, rt):
    await operator.put("/v1/targets/node:a", json={"labels": {"region": "eu"}})
    await operator.put("/v1/targets/node:b", json={"labels": {"region": "us"}})
    await make_window(operator, "2026-03-01T12:10:00",
                      [{"selector": {"labels": {"region": "eu"}}}])
    assert (await lease(operator, "node:a", ttl_s=3600)).status_code == 201
    clock.advance(600)  # 12:10, the start, before the scheduler has run: exact anyway
    r = await lease(operator, "node:a")
    assert r.status_code == 503
    assert r.json()["type"].endswith("/maintenance")
    assert r.headers["Retry-After"] == "3600"
    assert r.json()["causes"][0]["kind"] == "window"
    assert (await lease(operator, "node:b")).status_code == 201  # other region
    drain = (await operator.get("/v1/targets/node:a/drain")).json()
    assert drain["in_maintenance"] is True and drain["in_flight"] == 1
    assert drain["safe_to_deploy"] is False
    clock.advance(3600)
    await run_once(rt)
    assert (await lease(operator, "node:a")).status_code == 201


async def test_platform_window_covers_every_target(operator):
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    await make_window(operator, "2026-03-01T11:30:00", [{"selector": "platform"}])
    r = await lease(operator, "service:api")
    assert r.status_code == 503 and r.json()["causes"][0]["source"] == "platform"


async def test_work_that_would_run_into_a_window_is_refused_ahead(operator):
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    body = await make_window(operator, "2026-03-01T12:30:00", [{"selector": "service:api"}])
    occ = body["occurrences"][0]
    short = await lease(operator, "service:api", expected_duration_s=600)
    assert short.status_code == 201  # ends 12:10, before the window
    long = await lease(operator, "service:api", expected_duration_s=3600)
    assert long.status_code == 503
    problem = long.json()
    assert problem["type"].endswith("/maintenance-soon")
    assert problem["occurrence"]["id"] == occ["id"]
    assert problem["occurrence"]["start"] == "2026-03-01T12:30:00Z"
    assert "force" in problem["detail"]
    assert long.headers["Retry-After"] == str(90 * 60)  # until the window's end
    forced = await lease(operator, "service:api", expected_duration_s=3600, force=True)
    assert forced.status_code == 201
    unknown = await lease(operator, "service:api")  # no expected duration: no horizon
    assert unknown.status_code == 201


async def test_non_gating_and_paused_windows_do_not_refuse_work(operator):
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    await make_window(operator, "2026-03-01T11:30:00", [{"selector": "service:api"}],
                      gates_work=False)
    paused = await make_window(operator, "2026-03-01T12:30:00",
                               [{"selector": "service:api"}], status="PAUSED")
    assert paused["occurrences"][0]["paused"] is True
    assert (await lease(operator, "service:api", expected_duration_s=7200)).status_code == 201
    view = (await operator.get("/v1/targets/service:api")).json()
    assert view["in_maintenance"] is False


async def test_enter_and_wait_for_drain_work_with_a_window(operator, rt):
    held = (await lease(operator, "platform", ttl_s=3600)).json()
    await make_window(operator, "2026-03-01T11:30:00", [{"selector": "platform"}])
    view = (await operator.get("/v1/targets/platform")).json()
    assert view["in_maintenance"] is True
    assert view["drain"]["safe_to_deploy"] is False
    assert (await operator.delete(f"/v1/leases/{held['id']}")).status_code == 204
    view = (await operator.get("/v1/targets/platform")).json()
    assert view["drain"]["safe_to_deploy"] is True
    health = (await operator.get("/health")).json()
    assert health["maintenanceMode"] is True and health["maintenanceReason"] == "Kernel patching"



async def report(client: httpx.AsyncClient, name: str, status: str, message: str | None = None
                 ) -> httpx.Response:
    return await client.put(f"/v1/services/{name}/status",
                            json={"status": status, "message": message})


async def test_a_monitor_reports_and_the_service_displays_it(operator, app, secrets):
    async with client_for(app, secrets["worker"]) as monitor:
        r = await report(monitor, "api", "DEGRADED", "p99 2.1 s")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["displayed"] == "DEGRADED"
    assert body["realtime"]["status"] == "DEGRADED" and body["realtime"]["by"] == "worker-user"
    assert (await report(operator, "api", "DEGRADED", "p99 2.3 s")).status_code == 200
    changes = (await operator.get("/v1/history",
                                  params={"action": "service.status_changed"})).json()["items"]
    assert len(changes) == 1  # the same status again is not a change
    async with client_for(app, secrets["viewer"]) as viewer:
        assert (await report(viewer, "api", "UP")).status_code == 403
    bad = await report(operator, "api", "SIDEWAYS")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("order", ["degraded_first", "down_first"])
async def test_overlapping_windows_show_the_most_severe_impact(operator, rt, order):
    await report(operator, "api", "DOWN", "connection refused")
    windows = [("DEGRADED", "2026-03-01T11:00:00"), ("DOWN", "2026-03-01T11:30:00")]
    if order == "down_first":
        windows.reverse()
    ids = {}
    for impact, start in windows:
        w = await make_window(operator, start, [{"selector": "service:api", "impact": impact}],
                              duration="PT2H")
        ids[impact] = w
    body = (await operator.get("/v1/services/api")).json()
    assert body["displayed"] == "DOWN"
    assert body["realtime"]["status"] == "DOWN"
    assert sorted(i["impact"] for i in body["impacts"]) == ["DEGRADED", "DOWN"]
    # the DOWN window ends early: DEGRADED shows, the realtime DOWN stays visible beside it
    down = ids["DOWN"]
    await operator.patch(f"/v1/windows/{down['id']}/occurrences/{down['occurrences'][0]['id']}",
                         json={"status": "COMPLETED"})
    body = (await operator.get("/v1/services/api")).json()
    assert (body["displayed"], body["realtime"]["status"]) == ("DEGRADED", "DOWN")
    clock.advance(timedelta(hours=2))
    await run_once(rt)
    body = (await operator.get("/v1/services/api")).json()
    assert body["displayed"] == "DOWN" and body["impacts"] == []  # realtime restored


async def test_maintenance_impact_shows_and_switch_counts_as_maintenance(operator):
    await report(operator, "web", "UP")
    await make_window(operator, "2026-03-01T11:30:00", [{"selector": "service:web"}],
                      gates_work=False)
    body = (await operator.get("/v1/services/web")).json()
    assert (body["displayed"], body["realtime"]["status"]) == ("MAINTENANCE", "UP")
    listed = (await operator.get("/v1/services")).json()["items"]
    assert [s["name"] for s in listed] == ["web"]
    await report(operator, "db", "UP")
    await operator.post("/v1/targets/service:db/maintenance/enter", json={"reason": "vacuum"})
    assert (await operator.get("/v1/services/db")).json()["displayed"] == "MAINTENANCE"
    assert (await operator.get("/v1/services/nope")).status_code == 404



async def test_a_server_stopped_before_a_window_and_started_after_it(settings, frozen):
    """Nothing stuck in SCHEDULED or READY, every skipped step recorded late, no stale
    event: only the state it is in now is announced."""
    first = create_app(settings, run_scheduler=False)
    async with first.router.lifespan_context(first):
        secret = (await create_token(rt=first.state.rt, name="ops", role="admin",
                                     actor="test")).secret
        async with client_for(first, secret) as c:
            once = await make_window(c, "2026-03-01T14:00:00", [{"selector": "platform"}])
            daily = await make_window(c, "2026-03-01T13:30:00", [{"selector": "platform"}],
                                      rrule="FREQ=DAILY", duration="PT2H")
            await run_once(first.state.rt)
    clock.advance(timedelta(hours=3, minutes=10))  # 15:10: once has ended, daily is mid-way
    second = create_app(settings, run_scheduler=False)
    async with second.router.lifespan_context(second), client_for(second, secret) as c:
        rt = second.state.rt
        seen = []
        rt.bus.subscribe(seen.append)
        await run_once(rt)
        [o1] = (await c.get(f"/v1/windows/{once['id']}/occurrences",
                            params={"from": "2026-03-01T00:00:00Z"})).json()["items"]
        assert o1["status"] == "COMPLETED"
        d = (await c.get(f"/v1/windows/{daily['id']}/occurrences")).json()["items"]
        assert [o["status"] for o in d[:2]] == ["ONGOING", "SCHEDULED"]
        assert (await c.get("/v1/targets/platform")).json()["in_maintenance"] is True
        transitions = [e for e in seen if e.type == "occurrence.transitioned"]
        assert sorted((e.data["window"], e.data["status"], e.data["late"], e.data["skipped"])
                      for e in transitions) == sorted([
            (once["id"], "COMPLETED", True, ["READY", "ONGOING"]),
            (daily["id"], "ONGOING", True, ["READY"]),
        ])
        rows = (await c.get("/v1/history", params={"target": f"window:{once['id']}"})).json()
        steps = [(r["action"], r["details"]["late"]) for r in rows["items"]
                 if r["action"].startswith("occurrence.")]
        assert steps == [("occurrence.completed", True), ("occurrence.ongoing", True),
                         ("occurrence.ready", True)]
