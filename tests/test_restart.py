"""State survives restarts: maintenance stays on, in-flight leases still count."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete

from pitstop.app import create_app
from pitstop.services.tokens import create_token
from pitstop.storage import events as events_q
from pitstop.storage.engine import Database
from pitstop.storage.tables import events
from tests.conftest import client_for


async def test_maintenance_and_leases_survive_a_restart(settings):
    first = create_app(settings, run_scheduler=False)
    async with first.router.lifespan_context(first):
        secret = (await create_token(rt=first.state.rt, name="ops", role="admin",
                                     actor="test")).secret
        async with client_for(first, secret) as c:
            lease = (await c.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                                       "holder": "s", "phase": "fighting",
                                                       "ttl_s": 3600})).json()
            await c.post("/v1/targets/platform/maintenance/enter", json={"reason": "deploy"})

    second = create_app(settings, run_scheduler=False)
    async with second.router.lifespan_context(second), client_for(second, secret) as c:
        body = (await c.get("/v1/targets/platform")).json()
        assert body["in_maintenance"] is True
        assert body["causes"][0]["reason"] == "deploy"
        assert body["drain"]["in_flight"] == 1
        assert body["drain"]["current_phase"] == "fighting"
        r = await c.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                              "holder": "s"})
        assert r.status_code == 503
        assert (await c.delete(f"/v1/leases/{lease['id']}")).status_code == 204
        assert (await c.get("/v1/targets/platform")).json()["drain"]["safe_to_deploy"] is True


async def _drain_safe_logged(settings) -> list[str]:
    db = Database(settings.database_url)
    try:
        async with db.read() as conn:
            rows = await events_q.events_after(conn=conn, after=0, limit=100,
                                               types=["drain.safe"])
        return [row["target"] for row in rows]
    finally:
        await db.dispose()


async def test_a_drain_safe_lost_in_a_crash_is_recorded_at_the_next_start_and_only_once(
        settings):
    first = create_app(settings, run_scheduler=False)
    async with first.router.lifespan_context(first):
        await _until_settled(first)  # on PostgreSQL: leading, so it derives drain.safe
        secret = (await create_token(rt=first.state.rt, name="ops", role="admin",
                                     actor="test")).secret
        async with client_for(first, secret) as c:
            lease = (await c.post("/v1/leases", json={"target": "platform", "kind": "job",
                                                       "holder": "w"})).json()
            await c.post("/v1/targets/platform/maintenance/enter", json={"reason": "deploy"})
            assert (await c.delete(f"/v1/leases/{lease['id']}")).status_code == 204
        await first.state.rt.settle()
    assert await _drain_safe_logged(settings) == ["platform"]
    # The process died after the release committed, before its drain.safe was recorded.
    db = Database(settings.database_url)
    async with db.write() as conn:
        await conn.execute(delete(events).where(events.c.type == "drain.safe"))
    await db.dispose()

    for _ in range(2):  # the next start records it; the one after that does not again
        app = create_app(settings, run_scheduler=False)
        async with app.router.lifespan_context(app):
            await _until_settled(app)
        assert await _drain_safe_logged(settings) == ["platform"]


async def _until_settled(app) -> None:
    """Wait for what the replica's start derives (on PostgreSQL it leads a moment later)."""
    async with asyncio.timeout(10):
        while not app.state.rt.leader:  # noqa: ASYNC110 (the backplane sets it)
            await asyncio.sleep(0.01)
    await app.state.rt.settle()
