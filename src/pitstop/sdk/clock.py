"""The SDK's one source of time, and of the waits that time decides.

    client = Client(url, token, clock=FrozenClock())   # a Gate or a lease uses its client's
    gate = Gate(["node:a"], client=client)
    client.clock.advance(61)                           # its answers are now 61 s older

Everything in the SDK that asks what time it is (``now``, ``time``, ``monotonic``) or waits
for time to pass (``sleep``, ``asleep``, ``wait``) goes through a :class:`Clock`, passed in
as ``clock=`` (a Gate and a lease use their client's). :class:`FrozenClock` stands still
until it is advanced, and an advance wakes the waits it ends, so a test (the SDK's or an
application's) skips a heartbeat interval or a stale-after limit instead of sleeping it.

This is not the server's ``pitstop.clock``: the SDK imports nothing from the server, and
the server's clock is one frozen-or-not process-wide value whose ``monotonic`` never
freezes, where the SDK needs clocks that freeze monotonic time too, one per client, so an
in-process server and the SDK's clients can be driven apart or together.
"""

from __future__ import annotations

import asyncio
import threading
import time as _time
from datetime import UTC, datetime, timedelta

FROZEN_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_POLL_S = 0.01  # how often a frozen wait looks at its event (nothing else would wake it)


class Clock:
    """The real clock: wall time, monotonic time, and waits that take that long."""

    def now(self) -> datetime:
        """The current instant, tz-aware UTC."""
        return datetime.now(UTC)

    def time(self) -> float:
        """Epoch seconds, to compare with the server's timestamps."""
        return _time.time()

    def monotonic(self) -> float:
        """Seconds that never go back, for ages and intervals."""
        return _time.monotonic()

    def sleep(self, seconds: float) -> None:
        _time.sleep(max(0.0, seconds))

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        """Wait until ``event`` is set (True) or ``timeout`` seconds pass (False): the
        sleep a background thread can be woken from, as by ``close()``."""
        return event.wait(timeout)


SYSTEM = Clock()


class _Sleeper:
    __slots__ = ("deadline", "future", "loop")

    def __init__(self, deadline: float, loop: asyncio.AbstractEventLoop | None = None,
                 future: asyncio.Future[None] | None = None) -> None:
        self.deadline, self.loop, self.future = deadline, loop, future


class FrozenClock(Clock):
    """A clock that moves only when :meth:`advance` moves it; waits end when it does.

    Waits run in real time otherwise: a thread sleeping on a frozen clock stays asleep
    until the test advances past its deadline (or sets its event), so the test decides
    when a background heartbeat or poll happens, and :meth:`block_until` tells it when
    the background work has gone back to sleep."""

    def __init__(self, at: datetime = FROZEN_AT) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware datetime")
        self._epoch = at.timestamp()
        self._mono = 0.0
        self._sleepers: list[_Sleeper] = []
        self._changed = threading.Condition()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._epoch, UTC)

    def time(self) -> float:
        return self._epoch

    def monotonic(self) -> float:
        return self._mono

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (seconds or a timedelta) and wake every
        wait that ends by then; returns the new instant."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("a clock does not go back")
        with self._changed:
            self._epoch += seconds
            self._mono += seconds
            due = [s for s in self._sleepers if s.deadline <= self._mono]
            self._changed.notify_all()
        for sleeper in due:
            if sleeper.loop is not None and sleeper.future is not None:
                sleeper.loop.call_soon_threadsafe(_wake, sleeper.future)
        return self.now()

    def sleeping(self) -> int:
        """How many waits are blocked on a deadline still ahead of the clock."""
        with self._changed:
            return self._blocked()

    def block_until(self, sleepers: int, within: float = 5.0) -> None:
        """Wait (in real time, at most ``within`` s) until ``sleepers`` waits are blocked
        on the clock: the background threads woken by an advance have done their work."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._blocked() >= sleepers, within):
                raise TimeoutError(f"{self._blocked()} of {sleepers} waits blocked "
                                   f"within {within} s")

    async def ablock_until(self, sleepers: int, within: float = 5.0) -> None:
        """:meth:`block_until` for a test on the event loop the sleeping tasks run on."""
        deadline = _time.monotonic() + within
        while self.sleeping() < sleepers:
            if _time.monotonic() > deadline:
                raise TimeoutError(f"{self.sleeping()} of {sleepers} waits blocked "
                                   f"within {within} s")
            await asyncio.sleep(_POLL_S)  # lets the woken tasks run

    def sleep(self, seconds: float) -> None:
        self.wait(threading.Event(), seconds)

    async def asleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        loop = asyncio.get_running_loop()
        with self._changed:
            sleeper = _Sleeper(self._mono + seconds, loop, loop.create_future())
            self._sleepers.append(sleeper)
            self._changed.notify_all()
        try:
            await sleeper.future  # type: ignore[misc]
        finally:
            self._forget(sleeper)

    def wait(self, event: threading.Event, timeout: float | None) -> bool:
        with self._changed:
            deadline = float("inf") if timeout is None else self._mono + max(0.0, timeout)
            sleeper = _Sleeper(deadline)
            self._sleepers.append(sleeper)
            self._changed.notify_all()
            try:
                # Nothing notifies the condition when the event is set: look every so often.
                while not event.is_set() and self._mono < deadline:
                    self._changed.wait(_POLL_S)
                return event.is_set()
            finally:
                self._sleepers.remove(sleeper)

    def _blocked(self) -> int:
        return sum(1 for s in self._sleepers if s.deadline > self._mono)

    def _forget(self, sleeper: _Sleeper) -> None:
        with self._changed:
            if sleeper in self._sleepers:
                self._sleepers.remove(sleeper)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
