"""Lease context managers: acquire on entry, heartbeat in the background, release on exit.

    with client.lease("node:a", kind="build", holder="runner-3") as lease:
        lease.set_phase("compiling")
        ...

If the server reports the lease lost (a heartbeat came too late), ``lease.lost`` turns True;
the work may continue but no longer counts towards the drain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pitstop.sdk.errors import Conflict, NotFound, PitstopError

if TYPE_CHECKING:
    from pitstop.sdk.client import AsyncClient, Client

log = logging.getLogger(__name__)


def _interval(data: dict[str, Any], ttl_s: int | None) -> float:
    """Heartbeat three times per TTL (the server's default TTL is read off the lease)."""
    if ttl_s is None:
        try:
            ttl_s = (datetime.fromisoformat(data["expires_at"])
                     - datetime.fromisoformat(data["acquired_at"])).total_seconds()
        except (KeyError, TypeError, ValueError):
            ttl_s = 60
    return max(0.2, ttl_s / 3)


class Lease:
    def __init__(self, client: Client, target: str, kind: str, holder: str, *,
                 expected_duration_s: float | None = None, phase: str | None = None,
                 ttl_s: int | None = None, force: bool = False) -> None:
        self._client = client
        self._args = dict(target=target, kind=kind, holder=holder,
                          expected_duration_s=expected_duration_s, phase=phase, ttl_s=ttl_s,
                          force=force)
        self._ttl_s = ttl_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.data: dict[str, Any] = {}
        self.lost = False

    @property
    def id(self) -> str:
        return str(self.data["id"])

    def __enter__(self) -> Lease:
        self.data = self._client.acquire(**self._args)  # raises InMaintenance when refused
        self._thread = threading.Thread(target=self._beat, name=f"lease-{self.id}",
                                        daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._client.clock.wait(self._stop, _interval(self.data, self._ttl_s)):
            try:
                self.data = self._client.heartbeat(self.id)
            except (Conflict, NotFound):
                self.lost = True
                return
            except PitstopError as exc:  # transient: the next beat may get through
                log.warning("lease %s heartbeat failed: %s", self.id, exc)

    def set_phase(self, phase: str | None) -> None:
        self.data = self._client.set_phase(self.id, phase)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(NotFound):
            self._client.release(self.id)


class AsyncLease:
    def __init__(self, client: AsyncClient, target: str, kind: str, holder: str, *,
                 expected_duration_s: float | None = None, phase: str | None = None,
                 ttl_s: int | None = None, force: bool = False) -> None:
        self._client = client
        self._args = dict(target=target, kind=kind, holder=holder,
                          expected_duration_s=expected_duration_s, phase=phase, ttl_s=ttl_s,
                          force=force)
        self._ttl_s = ttl_s
        self._task: asyncio.Task[None] | None = None
        self.data: dict[str, Any] = {}
        self.lost = False

    @property
    def id(self) -> str:
        return str(self.data["id"])

    async def __aenter__(self) -> AsyncLease:
        self.data = await self._client.acquire(**self._args)
        self._task = asyncio.create_task(self._beat(), name=f"lease-{self.id}")
        return self

    async def _beat(self) -> None:
        while True:
            await self._client.clock.asleep(_interval(self.data, self._ttl_s))
            try:
                self.data = await self._client.heartbeat(self.id)
            except (Conflict, NotFound):
                self.lost = True
                return
            except PitstopError as exc:
                log.warning("lease %s heartbeat failed: %s", self.id, exc)

    async def set_phase(self, phase: str | None) -> None:
        self.data = await self._client.set_phase(self.id, phase)

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(NotFound):
            await self._client.release(self.id)
