"""The running system handed to every service: settings, database, snapshot, bus."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from pitstop import clock
from pitstop.services.authlimit import FailureLimiter
from pitstop.services.events import Event, EventBus
from pitstop.services.snapshot import Snapshot, ViewCache
from pitstop.settings import Settings
from pitstop.storage.engine import Database


@dataclass
class Runtime:
    settings: Settings
    db: Database
    state: Snapshot = field(default_factory=Snapshot)
    bus: EventBus = field(default_factory=EventBus)
    limiter: FailureLimiter = field(init=False)
    started: float = field(default_factory=clock.monotonic)
    scheduler_wake: asyncio.Event = field(default_factory=asyncio.Event)
    view_cache: ViewCache = field(init=False)

    def __post_init__(self) -> None:
        self.view_cache = ViewCache(self.state)
        self.limiter = FailureLimiter(
            max_failures=self.settings.auth_failures_per_minute,
            window_s=60,
            block_s=self.settings.auth_block_s,
        )

    def publish(self, events: Iterable[Event]) -> None:
        """After a commit: update the snapshot, wake the scheduler, tell subscribers."""
        for event in events:
            self.state.apply(event)
            self.bus.publish(event)
        self.scheduler_wake.set()

    @property
    def uptime_s(self) -> float:
        return clock.monotonic() - self.started
