"""The running system handed to every use case: settings, database, snapshot, bus, and the
parts that act after a commit. A plain holder: :func:`pitstop.services.wiring.wire` builds the
parts and hands them in; nothing here imports the modules that use it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pitstop import clock
from pitstop.domain.drain import LeaseView
from pitstop.notify.base import Notifier
from pitstop.notify.silences import SilenceWorker
from pitstop.notify.worker import DeliveryWorker
from pitstop.services.authlimit import AgentLimiter, CountLimiter, FailureLimiter
from pitstop.services.config_watch import ConfigWatch
from pitstop.services.dbhealth import DatabaseCheck
from pitstop.services.drain_watch import DrainWatch
from pitstop.services.eventlog import EventLog
from pitstop.services.events import Event, EventBus
from pitstop.services.fleet_records import NodeRecord
from pitstop.services.job_state import Horizon, ReminderClock
from pitstop.services.metrics import Metrics
from pitstop.services.outbox import NOTIFYING_TYPES
from pitstop.services.snapshot import (
    ENDING,
    OccurrenceRecord,
    Snapshot,
    TargetRecord,
    WindowRecord,
)
from pitstop.services.stream import StreamHub
from pitstop.services.view_cache import ViewCache
from pitstop.settings import Settings
from pitstop.storage.engine import Database

log = logging.getLogger(__name__)


class Fanout(Protocol):
    """What the runtime needs of the replica backplane (``services.backplane``, on
    PostgreSQL): hand it committed events, and know when it lost the other replicas."""

    origin: str
    lost_at: datetime | None

    def offer(self, events: list[Event]) -> None: ...


@dataclass
class Runtime:
    settings: Settings
    db: Database
    state: Snapshot
    bus: EventBus
    stream: StreamHub
    view_cache: ViewCache
    limiter: FailureLimiter
    agent_limiter: AgentLimiter
    db_check: DatabaseCheck
    horizon: Horizon
    reminders: ReminderClock
    notifiers: Mapping[str, Notifier]
    eventlog: EventLog  # use cases record their events through it, last in the transaction
    # Public subscribe requests: per client address, and per email address or URL.
    subscribe_ip_limiter: CountLimiter
    subscribe_address_limiter: CountLimiter
    # The parts that need the runtime's own functions; set by wire() right after.
    metrics: Metrics = field(init=False)
    delivery: DeliveryWorker = field(init=False)
    config_watch: ConfigWatch = field(init=False)
    drain_watch: DrainWatch = field(init=False)
    backplane: Fanout | None = None  # on PostgreSQL, set when the app starts
    silence_worker: SilenceWorker | None = None  # with PITSTOP_ALERTMANAGER_URL
    started: float = field(default_factory=clock.monotonic)
    scheduler_wake: asyncio.Event = field(default_factory=asyncio.Event)
    # When the scheduler will next wake by itself; None while it is running its jobs.
    scheduler_due: datetime | None = None
    # Whether this replica runs the scheduler's jobs (on PostgreSQL: holds the leader lock).
    leader: bool = True
    session_key: str | None = None  # signs the console's cookies; shared by all replicas
    _recording: set[asyncio.Task[None]] = field(default_factory=set)

    def wake_delivery(self, event: Event) -> None:
        if event.type in NOTIFYING_TYPES:  # the change wrote notifications to the outbox
            self.delivery.wake()

    def delivery_attempted(self, kind: str, result: str, latency_s: float | None) -> None:
        self.state.notify()  # open consoles show the outcome
        self.metrics.deliveries.labels(kind, result).inc()
        if latency_s is not None:
            self.metrics.delivery_latency.labels(kind).observe(latency_s)

    def publish(self, events: Iterable[Event]) -> None:
        """After a commit: update the snapshot, tell subscribers, and wake the scheduler
        only when a change brings a boundary closer than the one it sleeps until."""
        events = list(events)
        if self.leader:
            self.config_watch.before(events)  # the configs as they read before the change
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
            self.config_watch.notice(events)  # its agents' held polls
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
            # The held polls the config watch just answered are ready to run: let them
            # write their answers before this transaction and its 10,000-event publish.
            await asyncio.sleep(0)
            try:
                async with self.db.write() as conn:
                    numbered = await self.eventlog.record(conn, events)
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
