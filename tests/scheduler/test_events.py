"""The event log: ids in commit order, retention, and the hub's bounded queues."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.scheduler import jobs
from pitstop.services import labels, maintenance
from pitstop.services.events import Event
from pitstop.services.stream import QUEUE_SIZE, FellBehind, Filter, Frame, StreamHub, frames
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


def _read_text_frame(data: bytes) -> dict:
    """``data`` read by the `websockets` library's own frame parser, as a client reads it."""
    import json

    from websockets.frames import Frame as WebSocketFrame
    from websockets.frames import Opcode
    from websockets.streams import StreamReader

    reader = StreamReader()
    reader.feed_data(data)
    parser = WebSocketFrame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as done:
        next(parser)
    frame = done.value.value
    assert frame.opcode is Opcode.TEXT and frame.fin and not reader.buffer
    return json.loads(frame.data)


class _Socket:
    """A client's socket as the hub sees it: what it was sent, until ``room`` frames are
    unsent (its reader stopped reading)."""

    def __init__(self, room: int) -> None:
        self.room, self.sent = room, []

    def send(self, frame: Frame) -> bool:
        if len(self.sent) >= self.room:
            return False
        self.sent.append(frame.ws_frame)
        return True


async def test_a_caught_up_client_is_written_to_directly_and_cut_off_when_its_socket_backs_up(rt):
    hub = StreamHub()
    slow, fast = hub.subscribe(Filter()), hub.subscribe(Filter())
    sockets = {slow: _Socket(room=3), fast: _Socket(room=10_000)}
    readers = {sub: frames(rt.db, sub, None, None, sockets[sub]) for sub in (slow, fast)}
    pending = {sub: asyncio.ensure_future(anext(reader)) for sub, reader in readers.items()}
    await asyncio.sleep(0)  # each reader has drained its queue and handed over its socket
    now = clock.now()
    for i in range(5):
        hub.broadcast([Event("a", None, now, {"n": i}, id=i + 1)])
    assert len(sockets[fast].sent) == 5 and fast in hub.subscribers
    assert [_read_text_frame(b)["data"] for b in sockets[fast].sent] == [
        {"n": i} for i in range(5)]
    assert slow.overflowed and slow not in hub.subscribers
    with pytest.raises(FellBehind) as behind:
        await pending[slow]
    assert behind.value.last == 3  # it resumes after the last frame its socket took
    pending[fast].cancel()


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
