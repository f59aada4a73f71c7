"""The running system handed to every service: settings, database, snapshot, bus."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.domain.drain import LeaseView
from pitstop.services.authlimit import FailureLimiter
from pitstop.services.events import Event, EventBus
from pitstop.services.fleet_records import NodeRecord
from pitstop.services.outbox import NOTIFYING_TYPES
from pitstop.services.snapshot import (
    ENDING,
    OccurrenceRecord,
    Snapshot,
    TargetRecord,
    ViewCache,
    WindowRecord,
)
from pitstop.services.stream import StreamHub
from pitstop.settings import Settings
from pitstop.storage.engine import Database

log = logging.getLogger(__name__)


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
    # When the scheduler will next wake by itself; None while it is running its jobs.
    scheduler_due: datetime | None = None
    horizon: Any = None  # services.horizon.Horizon, set in __post_init__
    agent_limiter: Any = None  # services.agent.AgentLimiter
    config_watch: Any = None  # services.agent.ConfigWatch
    drain_watch: Any = None  # services.drain_watch.DrainWatch
    stream: StreamHub = field(default_factory=StreamHub)
    metrics: Any = None  # services.metrics.Metrics
    notifiers: Any = None  # channel kind -> notify.base.Notifier
    delivery: Any = None  # notify.worker.DeliveryWorker
    reminders: Any = None  # services.reminders.ReminderClock
    backplane: Any = None  # services.backplane.Backplane, on PostgreSQL
    db_check: Any = None  # services.dbhealth.DatabaseCheck
    # Whether this replica runs the scheduler's jobs (on PostgreSQL: holds the leader lock).
    leader: bool = True
    session_key: str | None = None  # signs the console's cookies; shared by all replicas
    _recording: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        # These modules import this one.
        from pitstop.notify.registry import default_notifiers
        from pitstop.notify.worker import DeliveryWorker
        from pitstop.services.agent import AgentLimiter, ConfigWatch
        from pitstop.services.dbhealth import DatabaseCheck
        from pitstop.services.drain_watch import DrainWatch
        from pitstop.services.horizon import Horizon
        from pitstop.services.metrics import Metrics
        from pitstop.services.reminders import ReminderClock

        self.horizon = Horizon()
        self.db_check = DatabaseCheck(self.db)
        self.agent_limiter = AgentLimiter(self.settings.agent_rate_per_s,
                                          self.settings.agent_burst)
        self.config_watch = ConfigWatch(self)
        self.drain_watch = DrainWatch(self)
        self.metrics = Metrics(self)
        self.notifiers = default_notifiers()
        self.delivery = DeliveryWorker(self.db, self.settings, self.notifiers,
                                       observe=self._delivery_attempted)
        self.bus.subscribe(self._wake_delivery)
        self.reminders = ReminderClock()
        self.bus.subscribe(self.reminders.on_event)
        self.view_cache = ViewCache(self.state)
        self.state.agent_poll_interval_s = float(self.settings.agent_poll_interval_s)
        self.limiter = FailureLimiter(
            max_failures=self.settings.auth_failures_per_minute,
            window_s=60,
            block_s=self.settings.auth_block_s,
        )

    def _wake_delivery(self, event: Event) -> None:
        if event.type in NOTIFYING_TYPES:  # the change wrote notifications to the outbox
            self.delivery.wake()

    def _delivery_attempted(self, kind: str, result: str, latency_s: float | None) -> None:
        self.state.notify()  # open consoles show the outcome
        self.metrics.deliveries.labels(kind, result).inc()
        if latency_s is not None:
            self.metrics.delivery_latency.labels(kind).observe(latency_s)

    def publish(self, events: Iterable[Event]) -> None:
        """After a commit: update the snapshot, tell subscribers, and wake the scheduler
        only when a change brings a boundary closer than the one it sleeps until."""
        events = list(events)
        for event in events:
            self.state.apply(event)
            self.bus.publish(event)
            at = _boundary(event, self.state)
            if at is not None and (self.scheduler_due is None or at < self.scheduler_due):
                self.scheduler_wake.set()
        self.broadcast(events)
        if events:
            self.derive(events)

    def derive(self, events: list[Event]) -> None:
        """Record what committed changes imply (an agent's config now reads differently, a
        drain became safe). Only the leader does, so replicas do not each record it; the
        backplane feeds it the other replicas' changes."""
        if not self.leader:
            return
        derived = self.config_watch.derive(events) + self.drain_watch.derive(events)
        if derived:
            self.record_derived(derived)

    def record_derived(self, events: list[Event]) -> None:
        """Derived events are logged in a transaction of their own, then published. A crash
        may lose one, never the state it reports: clients read that state when they
        reconnect, and the watches start from it. A failed transaction makes the watches
        forget them, so the next change derives them again."""
        async def record() -> None:
            from pitstop.services import eventlog

            try:
                async with self.db.write() as conn:
                    numbered = await eventlog.record(conn, events)
            except Exception:
                log.exception("could not record %d derived events; they will be derived "
                              "again", len(events))
                self.config_watch.forget(events)
                self.drain_watch.forget(events)
                return
            for event in numbered:
                self.bus.publish(event)
            self.broadcast(numbered)

        task = asyncio.get_running_loop().create_task(record())
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    def broadcast(self, events: list[Event]) -> None:
        """To the live stream (through the backplane when replicas share PostgreSQL, which
        keeps every replica's stream in id order)."""
        if self.backplane is not None:
            self.backplane.offer(events)
        else:
            self.stream.broadcast(events)

    async def settle(self) -> None:
        """Wait until derived events have been recorded and published (tests, shutdown)."""
        while self._recording:
            await asyncio.gather(*list(self._recording), return_exceptions=True)

    @property
    def uptime_s(self) -> float:
        return clock.monotonic() - self.started


def _boundary(event: Event, state: Snapshot) -> datetime | None:
    """The time-driven change an event schedules: a lease's expiry, a switch's end, the
    moment a node whose agent reports work goes offline."""
    payload = event.payload
    if isinstance(payload, NodeRecord) and any(r.counted for r in payload.running):
        return state.offline_at(payload)
    if isinstance(payload, LeaseView) and event.type not in ENDING:
        return payload.expires_at
    if isinstance(payload, TargetRecord) and payload.switch is not None:
        return payload.switch.next_expiry
    if isinstance(payload, OccurrenceRecord | WindowRecord):
        return event.at  # re-plan: a window's occurrences may change status at any time
    return None
