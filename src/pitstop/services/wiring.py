"""The composition root: builds a :class:`Runtime` and its parts, and connects them.

Each part gets only what it needs (the snapshot, the database, a function of the runtime's);
the parts do not import the runtime or each other. What a change records in its transaction
is connected here (the event log's steps: the outbox, the NOTIFY, the silences wanted in
Alertmanager), and what happens after a commit: the bus wakes the delivery worker when a
change wrote notifications (and the silence worker when it may have changed the silences),
and tells the reminder job to look again; the runtime's ``publish`` feeds the watches that
derive events."""

from __future__ import annotations

from pitstop.notify.registry import default_notifiers
from pitstop.notify.silences import Alertmanager, SilenceWorker
from pitstop.notify.worker import DeliveryWorker
from pitstop.services import outbox, silences
from pitstop.services.agent import encoded_config
from pitstop.services.authlimit import AgentLimiter, CountLimiter, FailureLimiter
from pitstop.services.config_watch import ConfigWatch
from pitstop.services.dbhealth import DatabaseCheck
from pitstop.services.drain_watch import DrainWatch
from pitstop.services.eventlog import EventLog, announce
from pitstop.services.events import EventBus
from pitstop.services.job_state import Horizon, ReminderClock
from pitstop.services.metrics import Metrics
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot
from pitstop.services.stream import StreamHub
from pitstop.services.view_cache import ViewCache
from pitstop.settings import Settings
from pitstop.storage.engine import Database


def wire(settings: Settings, db: Database) -> Runtime:
    state = Snapshot()
    state.agent_poll_interval_s = float(settings.agent_poll_interval_s)
    rt = Runtime(
        settings=settings, db=db, state=state, bus=EventBus(), stream=StreamHub(),
        view_cache=ViewCache(state),
        limiter=FailureLimiter(max_failures=settings.auth_failures_per_minute, window_s=60,
                               block_s=settings.auth_block_s),
        agent_limiter=AgentLimiter(settings.agent_rate_per_s, settings.agent_burst),
        db_check=DatabaseCheck(db), horizon=Horizon(), reminders=ReminderClock(),
        notifiers=default_notifiers(settings),
        eventlog=EventLog(steps=(outbox.enqueue, announce, *(
            (silences.record,) if settings.alertmanager_url else ()))),
        subscribe_ip_limiter=CountLimiter(db, limit=settings.subscribe_per_ip_per_hour,
                                          window_s=3600, what="from this address"),
        subscribe_address_limiter=CountLimiter(
            db, limit=settings.subscribe_per_address_per_hour, window_s=3600,
            what="for this email address or url"))
    rt.metrics = Metrics(state, rt.stream, leads=lambda: rt.leader)
    rt.config_watch = ConfigWatch(state, lambda target, now: encoded_config(rt, target, now))
    rt.drain_watch = DrainWatch(state, db, rt.record_derived)
    rt.delivery = DeliveryWorker(db, settings, rt.notifiers, observe=rt.delivery_attempted)
    rt.bus.subscribe(rt.wake_delivery)
    rt.bus.subscribe(rt.reminders.on_event)
    if settings.alertmanager_url:
        _wire_silences(rt, settings.alertmanager_url)
    return rt


def _wire_silences(rt: Runtime, url: str) -> None:
    """Silences in Alertmanager: the worker, woken by a change that may alter them."""
    worker = SilenceWorker(rt.db, Alertmanager(url), resync=lambda: silences.resync(rt.db),
                           leads=lambda: rt.leader, observe=rt.state.notify)
    rt.silence_worker = worker
    rt.bus.subscribe(lambda e: worker.wake() if e.type.startswith(silences.DECIDING) else None)
