"""``drain.safe``: the moment a target in maintenance has no work left in flight.

Deploy tools and consoles wait for this instead of polling. The watch re-examines every
target only when maintenance may have started or ended for many (a window, the platform's
switch); a target alone when its own switch moves, or it is created, relabelled or
deleted; and on the hot events (a lease released or lost, an agent's report) only the
targets in maintenance that still have work in flight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from pitstop import clock
from pitstop.domain.targets import PLATFORM
from pitstop.services.events import Event
from pitstop.services.snapshot import Snapshot
from pitstop.services.targets import target_state, wide_maintenance
from pitstop.storage import events as events_q
from pitstop.storage.engine import Database

log = logging.getLogger(__name__)
NEVER = datetime.min.replace(tzinfo=UTC)
_RESCAN = ("maintenance.", "occurrence.", "window.")
_ONE_TARGET = ("target.", "node.")  # a new, relabelled or deleted target: look at it alone
_DRAINING = ("lease.released", "lease.lost", "lease.force_released", "node.reported",
             "node.work_lost", "node.work_released")


class DrainWatch:
    def __init__(self, state: Snapshot, db: Database,
                 record: Callable[[list[Event]], None]) -> None:
        """``record``: log and publish derived events (in a transaction of their own)."""
        self._state, self._db, self._record = state, db, record
        self._safe: dict[str, bool] = {}  # targets in maintenance -> safe to deploy

    def prime(self) -> None:
        self._scan(list(self._state.targets))

    async def catch_up(self) -> None:
        """Start watching from the state as it is now, and record the ``drain.safe`` that
        nobody did: a target safe now whose current maintenance has none in the log. It
        became safe while no replica led, or just before a crash. Called by the replica
        that starts leading (at start on SQLite), which leads from the moment this returns:
        the scan after the read, and the caller's taking the lead, have no await between
        them, so no change falls between the two.

        After a restart, a maintenance whose causes changed (a switch ended while a window
        kept the target in maintenance) may be announced safe a second time; that is kept
        rather than risk never announcing it."""
        began = self._began(list(self._state.targets))
        announced: dict[str, datetime] = {}
        if began:
            try:
                async with self._db.read() as conn:
                    announced = await events_q.targets_with_event_since(
                        conn=conn, type_="drain.safe", since=min(began.values()),
                        targets=list(began))
            except Exception:  # start leading all the same; only the catch-up is lost
                log.exception("could not read the log for missed drain.safe events")
                self.prime()
                return
        self._safe.clear()  # derive afresh: each target safe now yields an event here
        # A target that went into maintenance during the read is not in ``began``: no one
        # derived its drain.safe, so it is missed too.
        safe = {str(e.target): e for e in self._scan(list(self._state.targets))}
        missed = [e for t, e in safe.items()
                  if t not in began or announced.get(t, NEVER) < began[t]]
        if missed:
            self._record(missed)

    def _began(self, targets: list[str]) -> dict[str, datetime]:
        """When the current maintenance of each target in maintenance began."""
        now, out = clock.now(), {}
        wide = wide_maintenance(self._state, now)
        for target in targets:
            if not wide and self._state.targets[target].switch is None:
                continue
            causes = target_state(self._state, target, now).causes
            if causes:
                out[target] = min(c.since for c in causes)
        return out

    def forget(self, events: Iterable[Event]) -> None:
        """Derived events that were not recorded: derive them again next time."""
        for event in events:
            if event.type == "drain.safe" and event.target:
                self._safe.pop(event.target, None)

    def derive(self, events: Iterable[Event]) -> list[Event]:
        events = list(events)
        if any(e.type.startswith(_RESCAN) and not _own_switch(e) for e in events):
            return self._scan(list(self._state.targets))
        targets = {e.target for e in events if e.target and e.type not in _DRAINING
                   and (e.type.startswith(_ONE_TARGET) or _own_switch(e))}
        if any(e.type in _DRAINING for e in events):
            targets.update(t for t, safe in self._safe.items() if not safe)
        return self._scan(sorted(targets)) if targets else []

    def _scan(self, targets: list[str]) -> list[Event]:
        now, out = clock.now(), []
        wide = wide_maintenance(self._state, now)
        for target in targets:
            record = self._state.targets.get(target)
            if record is None or (not wide and record.switch is None) \
                    or not target_state(self._state, target, now).in_maintenance:
                self._safe.pop(target, None)
                continue
            safe = self._state.drain_of(target, True, now).safe_to_deploy
            if safe and not self._safe.get(target, False):
                out.append(Event("drain.safe", target, now, {"in_flight": 0}))
            self._safe[target] = safe
        return out


def _own_switch(event: Event) -> bool:
    """A switch of one target other than the platform: only that target's state moves."""
    return event.type.startswith("maintenance.") and bool(event.target) \
        and event.target != PLATFORM
