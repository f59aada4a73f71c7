"""Scheduler jobs: each does one unit of work at ``now`` and says when it is next due.

A job consults the in-memory snapshot first and touches the database only when something is
due, or on a periodic ``full`` pass that also catches changes made by other replicas.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pitstop.services import horizon, leases, loader, maintenance, reminders, reported_work
from pitstop.services.runtime import Runtime
from pitstop.storage import events as events_q


@dataclass(frozen=True, slots=True)
class JobResult:
    done: int  # how many things it changed
    next_at: datetime | None  # when it is next due, if known


Job = Callable[[Runtime, datetime, bool], Awaitable[JobResult]]


def _due(next_at: datetime | None, now: datetime) -> bool:
    return next_at is not None and next_at <= now


async def expire_switches(rt: Runtime, now: datetime, full: bool) -> JobResult:
    done = 0
    if full or _due(maintenance.next_switch_expiry(rt), now):
        done = await maintenance.expire_switches(rt=rt, now=now)
    return JobResult(done, maintenance.next_switch_expiry(rt))


async def expire_leases(rt: Runtime, now: datetime, full: bool) -> JobResult:
    done = 0
    if full or _due(leases.next_lease_expiry(rt), now):
        done = await leases.expire_leases(rt=rt, now=now)
    return JobResult(done, leases.next_lease_expiry(rt))


async def lose_offline_work(rt: Runtime, now: datetime, full: bool) -> JobResult:
    """Work an agent reported stops counting when its node goes offline: record it lost."""
    done = 0
    if full or _due(reported_work.next_offline_boundary(rt), now):
        done = await reported_work.lose_offline_work(rt=rt, now=now)
    return JobResult(done, reported_work.next_offline_boundary(rt))


async def refresh_snapshot(rt: Runtime, now: datetime, full: bool) -> JobResult:
    if full:
        await loader.refresh_snapshot(rt)
    return JobResult(0, None)


async def refresh_horizon(rt: Runtime, now: datetime, full: bool) -> JobResult:
    done = 0
    if full or _due(horizon.next_horizon_due(rt), now):
        done = await horizon.refresh_horizon(rt=rt, now=now)
    return JobResult(done, horizon.next_horizon_due(rt))


async def advance_occurrences(rt: Runtime, now: datetime, full: bool) -> JobResult:
    done = 0
    if full or _due(rt.state.next_occurrence_boundary(), now):
        done = await horizon.advance_occurrences(rt=rt, now=now)
    return JobResult(done, rt.state.next_occurrence_boundary())


async def send_reminders(rt: Runtime, now: datetime, full: bool) -> JobResult:
    done = 0
    if reminders.needs_check(rt, now, full):
        done = await reminders.send_reminders(rt=rt, now=now)
    return JobResult(done, reminders.next_reminder_due(rt, now))


async def prune_events(rt: Runtime, now: datetime, full: bool) -> JobResult:
    """Drop stream events older than the retention period (on the periodic pass)."""
    done = 0
    if full:
        async with rt.db.write() as conn:
            done = await events_q.delete_events_before(
                conn=conn, at=now - timedelta(days=rt.settings.event_retention_days))
    return JobResult(done, None)


JOBS: tuple[Job, ...] = (refresh_snapshot, expire_switches, expire_leases, lose_offline_work,
                         refresh_horizon, send_reminders, advance_occurrences, prune_events)
# A replica that does not hold the leader lock (see services.backplane) runs only these.
FOLLOWER_JOBS: tuple[Job, ...] = (refresh_snapshot,)
