"""Work leases: admission gated by maintenance, heartbeats, phases, release, loss, drain."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.scheduler import jobs


async def acquire(client: httpx.AsyncClient, target: str = "node:a", **extra: object
                  ) -> httpx.Response:
    body = {"target": target, "kind": "build", "holder": "runner-1", **extra}
    return await client.post("/v1/leases", json=body)


@pytest.fixture
async def node(operator):
    await operator.put("/v1/targets/node:a", json={"labels": {"region": "eu"}})
    return "node:a"


@pytest.mark.usefixtures("frozen", "node")
async def test_acquire_grants_a_lease_that_counts_in_the_drain(operator, frozen):
    r = await acquire(operator, phase="compile", expected_duration_s=90, ttl_s=30)
    assert r.status_code == 201
    lease = r.json()
    assert lease["target"] == "node:a"
    assert lease["expected_end"] == "2026-03-01T12:01:30Z"
    assert lease["expires_at"] == "2026-03-01T12:00:30Z"
    drain = (await operator.get("/v1/targets/node:a")).json()["drain"]
    assert drain["in_flight"] == 1
    assert drain["phases"] == {"compile": 1}
    assert drain["estimated_wait_ms"] == 90_000
    platform = (await operator.get("/v1/targets/platform")).json()["drain"]
    assert platform["in_flight"] == 1  # platform covers leases on every target


@pytest.mark.usefixtures("frozen", "node")
async def test_acquire_refused_with_503_causes_and_retry_after_while_in_maintenance(
    operator, frozen
):
    until = (frozen + timedelta(minutes=5)).isoformat()
    await operator.post("/v1/targets/node:a/maintenance/enter",
                        json={"reason": "swap disk", "expires_at": until})
    r = await acquire(operator)
    assert r.status_code == 503
    assert r.headers["retry-after"] == "300"
    problem = r.json()
    assert problem["type"].endswith("maintenance")
    assert problem["target"] == "node:a"
    assert problem["causes"][0]["reason"] == "swap disk"
    assert problem["retry_after"] == 300


@pytest.mark.usefixtures("node")
async def test_refusal_without_a_known_end_has_no_retry_after(operator):
    await operator.post("/v1/targets/platform/maintenance/enter", json={"reason": "x"})
    r = await acquire(operator)
    assert r.status_code == 503
    assert "retry-after" not in r.headers


@pytest.mark.usefixtures("node")
async def test_exit_lets_leases_be_granted_again(operator):
    await operator.post("/v1/targets/node:a/maintenance/enter", json={"reason": "x"})
    assert (await acquire(operator)).status_code == 503
    await operator.post("/v1/targets/node:a/maintenance/exit", json={"reason": "y"})
    assert (await acquire(operator)).status_code == 201


@pytest.mark.usefixtures("frozen", "node")
async def test_heartbeat_extends_and_phase_changes(operator, frozen):
    lease = (await acquire(operator, ttl_s=20)).json()
    clock.advance(15)
    r = await operator.post(f"/v1/leases/{lease['id']}/heartbeat")
    assert r.status_code == 200
    assert r.json()["expires_at"] == "2026-03-01T12:00:35Z"
    r = await operator.patch(f"/v1/leases/{lease['id']}", json={"phase": "resolving"})
    assert r.json()["phase"] == "resolving"
    drain = (await operator.get("/v1/targets/node:a/drain")).json()
    assert drain["current_phase"] == "resolving"


@pytest.mark.usefixtures("frozen", "node")
async def test_expired_lease_stops_counting_and_is_recorded_lost(operator, rt):
    lease = (await acquire(operator, ttl_s=10)).json()
    await operator.post("/v1/targets/node:a/maintenance/enter", json={"reason": "x"})
    clock.advance(10)
    drain = (await operator.get("/v1/targets/node:a")).json()["drain"]
    assert drain["in_flight"] == 0 and drain["safe_to_deploy"] is True
    assert (await jobs.expire_leases(rt, clock.now(), False)).done == 1
    rows = (await operator.get("/v1/history", params={"action": "lease.lost"})).json()["items"]
    assert rows[0]["actor"] == "system"
    assert rows[0]["details"]["lease"]["id"] == lease["id"]
    r = await operator.post(f"/v1/leases/{lease['id']}/heartbeat")
    assert r.status_code == 409
    assert "lost" in r.json()["detail"]


@pytest.mark.usefixtures("node")
async def test_release_ends_the_lease_and_twice_is_harmless(operator):
    lease = (await acquire(operator)).json()
    assert (await operator.delete(f"/v1/leases/{lease['id']}")).status_code == 204
    assert (await operator.delete(f"/v1/leases/{lease['id']}")).status_code == 204
    assert (await operator.get(f"/v1/leases/{lease['id']}")).status_code == 404
    assert (await operator.delete("/v1/leases/nope")).status_code == 404


@pytest.mark.usefixtures("frozen", "node")
async def test_estimated_wait_uses_p90_of_past_durations_of_the_kind(operator):
    for seconds in range(1, 11):  # ten past "deploy" runs of 10..100 s
        lease = (await acquire(operator, kind="deploy")).json()
        clock.advance(seconds * 10)
        await operator.delete(f"/v1/leases/{lease['id']}")
    await acquire(operator, kind="deploy")  # no expected duration given
    clock.advance(30)
    drain = (await operator.get("/v1/targets/node:a/drain")).json()
    assert drain["estimated_wait_ms"] == 60_000  # p90 = 90 s, 30 s elapsed


@pytest.mark.usefixtures("frozen", "node")
async def test_estimated_wait_is_null_when_nothing_is_known(operator):
    await acquire(operator, kind="mystery")
    assert (await operator.get("/v1/targets/node:a/drain")).json()["estimated_wait_ms"] is None


@pytest.mark.usefixtures("node")
async def test_enter_with_wait_returns_when_the_last_lease_is_released(operator):
    lease = (await acquire(operator)).json()

    async def release_soon() -> None:
        await asyncio.sleep(0.2)
        await operator.delete(f"/v1/leases/{lease['id']}")

    releaser = asyncio.create_task(release_soon())
    r = await operator.post("/v1/targets/node:a/maintenance/enter",
                            json={"reason": "deploy", "wait_ms": 10_000})
    await releaser
    body = r.json()
    assert body["waited"] == {"safe_to_deploy": True, "timed_out": False}
    assert body["target"]["drain"]["safe_to_deploy"] is True


@pytest.mark.usefixtures("node")
async def test_enter_with_wait_times_out_with_what_is_still_pending(operator):
    await acquire(operator, phase="fighting")
    r = await operator.post("/v1/targets/node:a/maintenance/enter",
                            json={"reason": "deploy", "wait_ms": 100})
    body = r.json()
    assert body["waited"]["timed_out"] is True
    assert body["target"]["in_maintenance"] is True
    assert body["target"]["drain"]["current_phase"] == "fighting"


@pytest.mark.usefixtures("node")
async def test_exit_ends_a_wait_at_once(operator):
    await acquire(operator)
    await operator.post("/v1/targets/node:a/maintenance/enter", json={"reason": "deploy"})
    waiter = asyncio.create_task(operator.get("/v1/targets/node:a/drain",
                                              params={"wait_ms": 30_000}))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    await operator.post("/v1/targets/node:a/maintenance/exit", json={"reason": "abort"})
    r = await asyncio.wait_for(waiter, 5)
    assert r.json()["in_maintenance"] is False


@pytest.mark.parametrize("body", [
    {"target": "node:a", "kind": "build"},
    {"target": "node:a", "kind": "build", "holder": "h", "ttl_s": 0},
    {"target": "node:a", "kind": "build", "holder": "h", "expected_duration_s": -1},
    {"target": "node:a", "kind": "", "holder": "h"},
])
@pytest.mark.usefixtures("node")
async def test_bad_lease_requests_are_422(operator, body):
    r = await operator.post("/v1/leases", json=body)
    assert r.status_code == 422
    assert r.json()["errors"]


async def test_lease_on_unknown_target_is_404(operator):
    assert (await acquire(operator, "service:nope")).status_code == 404


@pytest.mark.usefixtures("node")
async def test_worker_may_hold_leases_but_not_switch(app, secrets):
    from tests.conftest import client_for

    async with client_for(app, secrets["worker"]) as worker:
        assert (await acquire(worker)).status_code == 201
        r = await worker.post("/v1/targets/node:a/maintenance/enter", json={"reason": "x"})
        assert r.status_code == 403
