"""The scheduler loop: sleeps to the next boundary, wakes on changes, stops promptly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler.jobs import JOBS
from pitstop.scheduler.loop import ERROR_BACKOFF_S, FULL_PASS_S, run_once
from pitstop.services import leases
from pitstop.services.tokens import create_token


async def test_server_with_a_busy_scheduler_shuts_down_promptly(sqlite_url):
    from tests.conftest import make_settings

    app = create_app(make_settings(sqlite_url), run_scheduler=True)

    async def serve_and_stop() -> None:
        async with app.router.lifespan_context(app):
            rt = app.state.rt
            await create_token(rt=rt, name="a", role="admin", actor="t")
            for _ in range(300):  # every change wakes the scheduler
                lease = await leases.acquire_lease(rt=rt, target="platform", kind="k",
                                                   holder="h")
                await leases.release_lease(rt=rt, lease_id=lease.id)
        # leaving the context cancels the scheduler; it must not hang

    task = asyncio.create_task(serve_and_stop())
    done, _ = await asyncio.wait({task}, timeout=15)  # asyncio.wait never cancels
    assert task in done, "shutdown hung: the scheduler did not stop when cancelled"
    task.result()


async def test_sleep_is_until_the_next_boundary(rt, frozen):
    lease = await leases.acquire_lease(rt=rt, target="platform", kind="k", holder="h",
                                       ttl_s=30)
    assert await run_once(rt, full=False) == 30.0
    clock.advance(timedelta(seconds=29.5))
    assert await run_once(rt, full=False) == 0.5
    clock.advance(timedelta(seconds=0.5))
    await run_once(rt, full=False)  # due: the lease is recorded lost
    assert lease.id not in rt.state.leases
    assert await run_once(rt, full=False) == FULL_PASS_S  # nothing due: look again later


async def test_only_a_closer_boundary_wakes_the_scheduler(rt, frozen):
    rt.scheduler_due = frozen + timedelta(seconds=30)
    rt.scheduler_wake.clear()
    await leases.acquire_lease(rt=rt, target="platform", kind="k", holder="h", ttl_s=60)
    assert not rt.scheduler_wake.is_set()  # expires after the planned wake: no extra pass
    soon = await leases.acquire_lease(rt=rt, target="platform", kind="k", holder="h",
                                      ttl_s=10)
    assert rt.scheduler_wake.is_set()  # expires first: the scheduler must look again
    rt.scheduler_wake.clear()
    await leases.release_lease(rt=rt, lease_id=soon.id)
    assert not rt.scheduler_wake.is_set()


async def test_a_failing_job_does_not_stop_the_jobs_after_it(rt, frozen, caplog):
    """A bug in one job (here the first) is logged and retried soon; the lease that ran out
    is still recorded lost in the same pass."""
    lease = await leases.acquire_lease(rt=rt, target="platform", kind="k", holder="h",
                                       ttl_s=30)
    clock.advance(timedelta(seconds=31))

    async def broken(*_: object) -> None:
        raise RuntimeError("a bug in one job")

    jobs = (broken, *JOBS)
    assert await run_once(rt, full=False, jobs=jobs) == ERROR_BACKOFF_S
    assert lease.id not in rt.state.leases  # expire_leases ran after the broken job
    assert "scheduler job broken failed" in caplog.text and "a bug in one job" in caplog.text
