"""Replicas sharing PostgreSQL: a change on one reaches the other's stream clients, snapshot
and auth at once (LISTEN/NOTIFY), and exactly one of them runs the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from pitstop.app import create_app
from pitstop.services.backplane import LEADER_LOCK, RETRY_S, asyncpg_dsn
from pitstop.services.stream import Filter
from pitstop.services.targets import describe_target
from pitstop.services.tokens import create_token
from tests import pg
from tests.conftest import client_for, make_settings


@pytest.fixture
async def replicas(pg_url: str | None) -> AsyncIterator[tuple]:
    if pg_url is None:
        pg.skip_or_fail()
    await pg.reset(pg_url)
    settings = make_settings(pg_url)
    apps = [create_app(settings, run_scheduler=False) for _ in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        secret = (await create_token(rt=apps[0].state.rt, name="ops", role="admin",
                                     actor="test")).secret
        clients = [await stack.enter_async_context(client_for(app, secret)) for app in apps]
        await until(lambda: len(apps[1].state.rt.state.tokens) == 1)  # announced to B
        # The previous test's leader may hold the lock a moment after it closed (its
        # backend exits after the disconnect); the leader derives drain.safe, so wait.
        await until(lambda: any(app.state.rt.leader for app in apps))
        yield apps, clients, stack


async def until(check: Callable[[], object], within: float = 5.0) -> None:
    """Wait for another replica's state to show a change (it has no event to wait on)."""
    async with asyncio.timeout(within):
        while not check():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_change_on_one_replica_reaches_the_others_stream_and_state(replicas):
    (_, b), (http_a, _), _ = replicas
    listener = b.state.rt.stream.subscribe(Filter(types=frozenset({"maintenance.entered"})))
    r = await http_a.post("/v1/targets/platform/maintenance/enter", json={"reason": "db"})
    assert r.status_code == 200
    frame = await asyncio.wait_for(listener.queue.get(), 5)
    assert frame is not None and frame.type == "maintenance.entered"
    await until(lambda: describe_target(b.state.rt.state, "platform").state.in_maintenance)


async def test_both_replicas_stream_every_event_in_the_same_order(replicas):
    (a, b), (http_a, http_b), _ = replicas
    subs = [app.state.rt.stream.subscribe(Filter()) for app in (a, b)]
    await http_a.put("/v1/targets/node:x", json={})
    for i in range(6):
        http = http_a if i % 2 else http_b
        action = "enter" if i % 2 == 0 else "exit"
        r = await http.post(f"/v1/targets/node:x/maintenance/{action}", json={"reason": "r"})
        assert r.status_code == 200
    seen = []
    for sub in subs:
        ids = []
        async with asyncio.timeout(5):
            while len([i for i, t in ids if t.startswith("maintenance.")]) < 6:
                frame = await sub.queue.get()
                ids.append((frame.id, frame.type))
        seen.append([i for i, _ in ids])
    assert seen[0] == seen[1] == sorted(seen[0])


async def test_leases_and_revoked_tokens_reach_the_other_replica(replicas):
    (_, b), (http_a, _), _ = replicas
    r = await http_a.post("/v1/leases", json={"target": "platform", "kind": "job",
                                              "holder": "w1"})
    assert r.status_code == 201
    await until(lambda: describe_target(b.state.rt.state, "platform").drain.in_flight == 1)
    r = await http_a.post("/v1/tokens", json={"name": "temp", "role": "viewer"})
    temp = r.json()
    async with client_for(b, temp["token"]) as viewer_b:
        await until(lambda: temp["id"] in {p.token_id for p in
                                           b.state.rt.state.tokens.values()})
        assert (await viewer_b.get("/v1/targets")).status_code == 200
        assert (await http_a.delete(f"/v1/tokens/{temp['id']}")).status_code == 204
        await until(lambda: temp["id"] not in {p.token_id for p in
                                               b.state.rt.state.tokens.values()})
        assert (await viewer_b.get("/v1/targets")).status_code == 401


async def test_a_target_deleted_on_one_replica_is_gone_on_the_other(replicas):
    (_, b), (http_a, http_b), _ = replicas
    await http_a.put("/v1/targets/service:old", json={})
    await until(lambda: "service:old" in b.state.rt.state.targets)
    r = await http_a.delete("/v1/targets/service:old", params={"reason": "retired"})
    assert r.status_code == 204
    await until(lambda: "service:old" not in b.state.rt.state.targets)
    assert (await http_b.get("/v1/targets/service:old")).status_code == 404


async def test_one_replica_leads_and_another_takes_over_when_it_is_cut_off(replicas,
                                                                           pg_url):
    (a, b), _, _ = replicas
    rts = [a.state.rt, b.state.rt]
    assert sorted(rt.leader for rt in rts) == [False, True]
    leader, follower = (rts[0], rts[1]) if rts[0].leader else (rts[1], rts[0])
    pid = leader.backplane._conn.get_server_pid()
    admin = await asyncpg.connect(asyncpg_dsn(pg_url))
    try:  # the leader's session dies, as when its machine or network fails
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()
    await until(lambda: follower.leader and not leader.leader, within=RETRY_S * 3)
    await until(lambda: leader.backplane._conn is not None, within=RETRY_S * 3)
    assert not leader.leader  # it came back as a follower


async def _logged(rt, type_: str) -> list:
    from pitstop.storage import events as events_q

    async with rt.db.read() as conn:
        return await events_q.events_after(conn=conn, after=0, limit=1000, types=[type_])


async def test_drain_safe_follows_work_on_any_replica_and_is_recorded_once(replicas):
    (a, b), (http_a, http_b), _ = replicas
    r = await http_b.post("/v1/leases", json={"target": "platform", "kind": "job",
                                              "holder": "w1"})
    assert r.status_code == 201, r.text
    lease = r.json()["id"]
    r = await http_a.post("/v1/targets/platform/maintenance/enter", json={"reason": "db"})
    assert r.json()["target"]["drain"]["in_flight"] == 1  # the lease on B is counted
    await a.state.rt.settle()
    assert await _logged(a.state.rt, "drain.safe") == []
    assert (await http_b.delete(f"/v1/leases/{lease}")).status_code in (200, 204)

    async def recorded() -> list:
        for app in (a, b):
            await app.state.rt.settle()
        return await _logged(a.state.rt, "drain.safe")

    async with asyncio.timeout(5):
        while not (rows := await recorded()):  # noqa: ASYNC110 (state on two replicas)
            await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # a second replica recording it would do so by now
    rows = await recorded()
    assert [(row["type"], row["target"]) for row in rows] == [("drain.safe", "platform")]


async def test_what_became_safe_while_no_replica_led_is_recorded_by_the_next_leader(pg_url):
    if pg_url is None:
        pg.skip_or_fail()
    await pg.reset(pg_url)
    holder = await asyncpg.connect(asyncpg_dsn(pg_url))  # nobody may lead while it holds this
    await holder.fetchval("SELECT pg_advisory_lock($1)", LEADER_LOCK)
    app = create_app(make_settings(pg_url), run_scheduler=False)
    try:
        async with app.router.lifespan_context(app):
            rt = app.state.rt
            secret = (await create_token(rt=rt, name="ops", role="admin", actor="t")).secret
            async with client_for(app, secret) as http:
                lease = (await http.post("/v1/leases", json={
                    "target": "platform", "kind": "job", "holder": "w"})).json()["id"]
                await http.post("/v1/targets/platform/maintenance/enter", json={"reason": "db"})
                assert (await http.delete(f"/v1/leases/{lease}")).status_code == 204
            await rt.settle()
            assert not rt.leader and await _logged(rt, "drain.safe") == []
            await holder.close()  # the lock is free: this replica leads within RETRY_S
            await until(lambda: rt.leader, within=RETRY_S * 3)
            await rt.settle()
            rows = await _logged(rt, "drain.safe")
            assert [(row["type"], row["target"]) for row in rows] == [("drain.safe", "platform")]
    finally:
        if not holder.is_closed():
            await holder.close()


async def test_an_own_event_read_back_before_it_is_published_is_not_taken_for_another_replicas(
        replicas):
    (a, _), (http_a, _), _ = replicas
    rt = a.state.rt
    heard: list[int] = []
    rt.bus.subscribe(lambda e: heard.append(e.id) if e.type == "maintenance.entered" else None)
    publish = rt.publish
    # The change is published a moment after its commit, as when the request that made it
    # waits for its connection to go back to the pool: the backplane reads the log first.
    rt.publish = lambda events: asyncio.get_running_loop().call_later(0.3, publish, events)
    try:
        r = await http_a.post("/v1/targets/platform/maintenance/enter", json={"reason": "db"})
        assert r.status_code == 200
        await until(lambda: rt.backplane.last >= 1 and heard, within=5)  # read back, published
        await asyncio.sleep(0.3)  # a second publication would have come by now
    finally:
        rt.publish = publish
    assert len(heard) == 1  # once: by this replica's own publish, not also as a remote one
