"""The event log: ids in commit order, retention, and the hub's bounded queues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.scheduler import jobs
from pitstop.services import labels, maintenance
from pitstop.services.events import Event
from pitstop.services.stream import QUEUE_SIZE, Filter, StreamHub
from pitstop.storage import events as events_q


async def _logged(rt) -> list:
    async with rt.db.read() as conn:
        return await events_q.events_after(conn=conn, after=0, limit=1000)


@pytest.mark.usefixtures("frozen")
async def test_changes_are_logged_with_their_events_and_pruned_after_retention(rt):
    await labels.put_target(rt=rt, target="node:a", labels={}, actor="t")
    await maintenance.enter_maintenance(rt=rt, target="node:a", reason="disk", actor="t")
    await rt.settle()
    rows = await _logged(rt)
    assert [r["type"] for r in rows] == ["target.created", "maintenance.entered", "drain.safe"]
    assert rows[0]["id"] < rows[1]["id"] < rows[2]["id"]
    assert rows[1]["data"] == {"reason": "disk", "actor": "t"}
    clock.advance(timedelta(days=rt.settings.event_retention_days, seconds=1))
    result = await jobs.prune_events(rt, clock.now(), True)
    assert result.done == 3 and await _logged(rt) == []


async def test_a_slow_client_is_cut_off_without_slowing_the_others():
    hub = StreamHub()
    slow, fast = hub.subscribe(Filter()), hub.subscribe(Filter(types=frozenset({"a"})))
    now = clock.now()
    events = [Event("a" if i % 2 else "b", None, now, {}, id=i + 1)
              for i in range(2 * QUEUE_SIZE + 2)]
    for event in events:
        hub.broadcast([event])
        if event.type == "a":
            assert (await asyncio.wait_for(fast.queue.get(), 1)).id == event.id
    assert slow.overflowed and slow not in hub.subscribers
    assert slow.queue.get_nowait() is None  # its stream ends, telling it to resume by id
    assert fast in hub.subscribers and not fast.overflowed


@pytest.mark.usefixtures("frozen")
async def test_drain_safe_is_published_when_the_last_lease_ends(rt):
    from pitstop.services import leases

    seen: list = []
    rt.bus.subscribe(seen.append)
    await labels.put_target(rt=rt, target="node:a", labels={}, actor="t")
    lease = await leases.acquire_lease(rt=rt, target="node:a", kind="job", holder="w1")
    await maintenance.enter_maintenance(rt=rt, target="node:a", reason="disk", actor="t")
    await rt.settle()
    assert [e for e in seen if e.type == "drain.safe"] == []
    await leases.release_lease(rt=rt, lease_id=lease.id)
    await rt.settle()
    [safe] = [e for e in seen if e.type == "drain.safe"]
    assert safe.target == "node:a" and safe.id is not None  # logged: streamed and resumable
    await maintenance.exit_maintenance(rt=rt, target="node:a", reason="done", actor="t")
    await maintenance.enter_maintenance(rt=rt, target="node:a", reason="again", actor="t")
    await rt.settle()
    assert len([e for e in seen if e.type == "drain.safe"]) == 2  # safe at once: nothing ran
