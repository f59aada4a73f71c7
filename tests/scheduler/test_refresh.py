"""Replicas sharing a database converge: the scheduler's full pass re-reads what another
replica changed (until events travel between replicas directly)."""

from __future__ import annotations

import contextlib

from pitstop.app import create_app
from pitstop.scheduler.loop import run_once
from pitstop.services import leases, maintenance, nodes
from pitstop.services.labels import put_target
from pitstop.services.tokens import create_token, revoke_token
from tests.conftest import client_for


async def test_full_pass_picks_up_changes_made_by_another_replica(settings):
    a = create_app(settings, run_scheduler=False)
    b = create_app(settings, run_scheduler=False)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(a.router.lifespan_context(a))
        await stack.enter_async_context(b.router.lifespan_context(b))
        ra, rb = a.state.rt, b.state.rt
        await create_token(rt=ra, name="root", role="admin", actor="t")
        doomed = await create_token(rt=ra, name="temp", role="operator", actor="t")
        lease = await leases.acquire_lease(rt=ra, target="platform", kind="k", holder="h")
        await maintenance.enter_maintenance(rt=ra, target="platform", reason="on a",
                                            actor="t")
        await run_once(rb, full=True)
        async with client_for(b, doomed.secret) as c:
            body = (await c.get("/v1/targets/platform")).json()
            assert body["in_maintenance"] is True and body["drain"]["in_flight"] == 1

        await revoke_token(rt=ra, token_id=doomed.id, actor="t")
        await leases.release_lease(rt=ra, lease_id=lease.id)
        await run_once(rb, full=True)
        async with client_for(b, doomed.secret) as c:
            assert (await c.get("/v1/targets/platform")).status_code == 401
        assert rb.state.leases == {}


async def test_full_pass_reads_only_what_changed_and_misses_nothing(settings):
    """The pass compares versions before reading rows: a node registered, reconfigured
    and another deleted elsewhere all arrive; unchanged rows stay the objects it had."""
    a = create_app(settings, run_scheduler=False)
    b = create_app(settings, run_scheduler=False)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(a.router.lifespan_context(a))
        await stack.enter_async_context(b.router.lifespan_context(b))
        ra, rb = a.state.rt, b.state.rt
        for name in ("n1", "n2", "n3"):
            await nodes.register_node(rt=ra, name=name, labels={}, actor="t")
        await run_once(rb, full=True)
        kept = rb.state.targets["node:n3"]
        await nodes.set_config(rt=ra, names=["n1"], config={"workloads": [{"name": "w"}]},
                               actor="t")
        await nodes.delete_node(rt=ra, name="n2", actor="t")
        await put_target(rt=ra, target="service:api", labels={"tier": "1"}, actor="t")
        await run_once(rb, full=True)
        assert rb.state.nodes["node:n1"].config == {"workloads": [{"name": "w"}]}
        assert "node:n2" not in rb.state.nodes
        assert rb.state.targets["service:api"].labels == {"tier": "1"}
        assert rb.state.targets["node:n3"] is kept
