"""The gate is linearizable: once an enter (or a window that is already in progress) is
acknowledged, no lease on that target (or under it) is granted, however many acquirers race
it — across two replicas sharing the database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from pitstop.app import create_app
from pitstop.services.tokens import create_token
from tests.conftest import client_for

ACQUIRERS = 300


@pytest.mark.parametrize("gate", ["enter", "window"])
async def test_no_lease_is_granted_after_the_gate_closes(settings, gate):
    replica_a = create_app(settings, run_scheduler=False)
    replica_b = create_app(settings, run_scheduler=False)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(replica_a.router.lifespan_context(replica_a))
        secret = (await create_token(rt=replica_a.state.rt, name="ops", role="admin",
                                     actor="test")).secret
        await stack.enter_async_context(replica_b.router.lifespan_context(replica_b))
        a = await stack.enter_async_context(client_for(replica_a, secret))
        b = await stack.enter_async_context(client_for(replica_b, secret))
        await a.put("/v1/targets/node:a", json={})
        await b.get("/health")

        loop = asyncio.get_running_loop()
        results: list[tuple[float, int]] = []
        stop = asyncio.Event()
        granted = asyncio.Event()
        ack: list[float] = []  # when the gate closed, once it has
        answered_after_ack = asyncio.Event()

        async def acquirer(i: int) -> None:
            client = a if i % 2 else b
            target = "node:a" if i % 3 else "platform"
            while not stop.is_set():
                started = loop.time()
                r = await client.post("/v1/leases", json={"target": target, "kind": "job",
                                                           "holder": f"w{i}", "ttl_s": 600})
                results.append((started, r.status_code))
                if ack and started > ack[0]:
                    answered_after_ack.set()
                if r.status_code == 201:
                    granted.set()
                else:
                    assert r.status_code == 503, r.text
                await asyncio.sleep(0)  # as a real client does on the network

        tasks = [asyncio.create_task(acquirer(i)) for i in range(ACQUIRERS)]
        await asyncio.wait_for(granted.wait(), 30)
        await asyncio.sleep(0.2)
        if gate == "enter":
            r = await a.post("/v1/targets/platform/maintenance/enter", json={"reason": "race"})
        else:  # a window that began a minute ago: ONGOING, and gating, at once
            start = datetime.now(UTC) - timedelta(minutes=1)
            r = await a.post("/v1/windows", json={
                "title": "race", "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
                "timezone": "UTC", "duration": "PT1H", "affects": [{"selector": "platform"}]})
        acknowledged = loop.time()
        assert r.status_code in (200, 201), r.text
        reported_in_flight = r.json()["target"]["drain"]["in_flight"] \
            if gate == "enter" else None
        # Race on until a request begun after the ack has been answered (under load the
        # requests in flight at the ack can take a while to drain).
        ack.append(acknowledged)
        await asyncio.wait_for(answered_after_ack.wait(), 30)
        stop.set()
        await asyncio.gather(*tasks)

    grants = [started for started, status in results if status == 201]
    refusals_after = [s for s, status in results if status == 503 and s > acknowledged]
    assert grants and refusals_after, "the acquirers did not race the enter"
    assert max(grants) < acknowledged, "a lease was granted to a request begun after the ack"
    if reported_in_flight is not None:
        assert reported_in_flight == len(grants), "the enter's drain missed or invented a lease"
