"""The event log: ids in commit order, retention, and the hub's bounded queues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.scheduler import jobs
from pitstop.services import maintenance, targets
from pitstop.services.events import Event
from pitstop.services.stream import QUEUE_SIZE, Filter, StreamHub
from pitstop.storage import events as events_q


async def _logged(rt) -> list:
    async with rt.db.read() as conn:
        return await events_q.events_after(conn=conn, after=0, limit=1000)


@pytest.mark.usefixtures("frozen")
async def test_changes_are_logged_with_their_events_and_pruned_after_retention(rt):
    await targets.put_target(rt=rt, target="node:a", labels={}, actor="t")
    await maintenance.enter_maintenance(rt=rt, target="node:a", reason="disk", actor="t")
    rows = await _logged(rt)
    assert [r["type"] for r in rows] == ["target.created", "maintenance.entered"]
    assert rows[0]["id"] < rows[1]["id"]
    assert rows[1]["data"] == {"reason": "disk", "actor": "t"}
    clock.advance(timedelta(days=rt.settings.event_retention_days, seconds=1))
    result = await jobs.prune_events(rt, clock.now(), True)
    assert result.done == 2 and await _logged(rt) == []


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
