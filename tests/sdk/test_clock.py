"""The SDK's frozen clock: time moves only when advanced, and an advance ends the waits
it reaches, in threads and in asyncio tasks, so tests skip intervals instead of sleeping."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pitstop.sdk import Client, FrozenClock, Gate
from pitstop.sdk.clock import SYSTEM

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_frozen_clock_moves_only_when_advanced():
    clock = FrozenClock(AT)
    assert (clock.now(), clock.time(), clock.monotonic()) == (AT, AT.timestamp(), 0.0)
    assert clock.advance(timedelta(minutes=1)) == AT + timedelta(minutes=1)
    clock.advance(0.5)
    assert clock.now() == AT + timedelta(seconds=60.5)
    assert (clock.time(), clock.monotonic()) == (AT.timestamp() + 60.5, 60.5)
    with pytest.raises(ValueError, match="does not go back"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        FrozenClock(datetime(2026, 3, 1))


def test_a_sleeping_thread_wakes_when_the_clock_passes_its_deadline():
    clock = FrozenClock(AT)
    sleeper = threading.Thread(target=clock.sleep, args=(10,))
    sleeper.start()
    clock.block_until(1)
    clock.advance(9.5)
    assert clock.sleeping() == 1 and sleeper.is_alive()  # its deadline is still ahead
    clock.advance(0.5)
    sleeper.join(5)
    assert not sleeper.is_alive() and clock.sleeping() == 0


def test_a_wait_ends_early_when_its_event_is_set():
    clock, stop = FrozenClock(AT), threading.Event()
    answers: list[bool] = []
    waiter = threading.Thread(target=lambda: answers.append(clock.wait(stop, 60)))
    waiter.start()
    clock.block_until(1)
    stop.set()  # as close() wakes a gate's or a lease's thread
    waiter.join(5)
    assert answers == [True]
    waiter = threading.Thread(target=lambda: answers.append(clock.wait(threading.Event(), 60)))
    waiter.start()
    clock.block_until(1)
    clock.advance(60)
    waiter.join(5)
    assert answers == [True, False]


async def test_an_asyncio_sleep_wakes_when_the_clock_passes_its_deadline():
    clock = FrozenClock(AT)
    task = asyncio.create_task(clock.asleep(30))
    await clock.ablock_until(1)
    clock.advance(29)
    await clock.ablock_until(1)
    assert not task.done()
    clock.advance(1)
    await asyncio.wait_for(task, 5)
    cancelled = asyncio.create_task(clock.asleep(30))
    await clock.ablock_until(1)
    cancelled.cancel()  # as a lease's heartbeat task is on exit
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert clock.sleeping() == 0


def test_clients_and_gates_default_to_the_real_clock_and_pass_theirs_on():
    assert Client("http://pitstop.test", "t").clock is SYSTEM
    clock = FrozenClock(AT)
    client = Client("http://pitstop.test", "t", clock=clock)
    assert client.async_twin().clock is clock
    assert Gate([], url="http://pitstop.test").clock is SYSTEM  # the client it makes too
    made = Gate([], url="http://pitstop.test", clock=clock)
    assert made.clock is clock and made.client.clock is clock


def test_a_gate_ages_its_answers_by_its_clients_clock():
    closed = {"target": "node:a", "windows": [],
              "switches": [{"source": "node:a", "reason": "disk swap", "expires_at": None}]}
    clock = FrozenClock(AT)
    client = Client("http://pitstop.test", "t", clock=clock,
                    transport=httpx.MockTransport(lambda _: httpx.Response(200, json=closed)))
    gate = Gate(["node:a"], client=client, fail_open=False, stale_after_s=60)
    assert gate.clock is clock
    gate.refresh()  # read, not followed: its answers are stale from the start
    clock.advance(60)
    check = gate.check("node:a")
    assert (check.allowed, check.reason, check.stale, check.age_s) == (
        False, "disk swap", True, 60.0)
    clock.advance(1)  # beyond stale_after_s: the fail-closed policy answers
    check = gate.check("node:a")
    assert (check.allowed, check.source, check.age_s) == (False, None, 61.0)
    assert "61 s old" in str(check.reason)
