"""State survives restarts: maintenance stays on, in-flight leases still count."""

from __future__ import annotations

from pitstop.app import create_app
from pitstop.services.tokens import create_token
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
