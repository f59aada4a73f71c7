"""The scheduler loop: run due jobs, then sleep until the earliest next boundary.

It does not poll: it sleeps until the next time a job said it is due, and is woken early when
any change is published (a new lease or switch may bring the next boundary closer). Every
``FULL_PASS_S`` the jobs also look at the database itself, for changes made elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from pitstop import clock
from pitstop.errors import DatabaseUnavailable
from pitstop.scheduler.jobs import FOLLOWER_JOBS, JOBS, Job
from pitstop.services.runtime import Runtime
from pitstop.storage.outage import log_unavailable

log = logging.getLogger(__name__)
FULL_PASS_S = 60.0
ERROR_BACKOFF_S = 1.0
QUIET_S = 30.0  # while the database stays unreachable: one line per job this often


async def run_once(rt: Runtime, *, full: bool = True, jobs: tuple[Job, ...] = JOBS) -> float:
    """Run every job once; return how long to sleep before the next boundary.

    A job that fails is logged and retried after ``ERROR_BACKOFF_S``; the jobs after it still
    run in this pass (an expired switch still ends while, say, the reminder job has a bug).
    An unreachable database ends the pass at once: every job after it would fail the same
    way, and the database check already reports the outage."""
    now = clock.now()
    next_at = []
    for job in jobs:
        try:
            result = await job(rt, now, full)
        except DatabaseUnavailable as exc:
            log_unavailable(log, f"scheduler job {job.__name__}", exc, every_s=QUIET_S)
            return ERROR_BACKOFF_S
        except Exception:
            log.exception("scheduler job %s failed; retrying in %s s", job.__name__,
                          ERROR_BACKOFF_S)
            next_at.append(now + timedelta(seconds=ERROR_BACKOFF_S))
            continue
        if result.next_at is not None:
            next_at.append(result.next_at)
    if not next_at:
        return FULL_PASS_S
    return min(FULL_PASS_S, max(0.0, (min(next_at) - clock.now()).total_seconds()))


async def run_forever(rt: Runtime) -> None:
    last_full = 0.0
    while True:
        rt.scheduler_wake.clear()
        rt.scheduler_due = None  # while jobs run, any new boundary must wake us again
        full = clock.monotonic() - last_full >= FULL_PASS_S
        if full:
            last_full = clock.monotonic()
        # Another replica may lead: then this one only keeps its snapshot fresh.
        delay = await run_once(rt, full=full, jobs=JOBS if rt.leader else FOLLOWER_JOBS)
        rt.scheduler_due = clock.now() + timedelta(seconds=delay)
        if delay > 0:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow the cancellation
            # that stops the scheduler when a wake-up arrives at the same moment.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await rt.scheduler_wake.wait()
