"""The in-memory snapshot that answers hot-path reads without touching the database.

It is loaded once at start and kept current by domain events. Applying is order-insensitive:
target records carry a version (older ones are ignored) and a lease that has ended is never
brought back by a late event about it, so events applied out of commit order still converge.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pitstop.domain.drain import DrainStatus, LeaseView, drain_status, p90
from pitstop.domain.lifecycle import TERMINAL
from pitstop.domain.nodes import offline_at, poll_interval_s
from pitstop.domain.recurrence import Cursor, Series, parse_series
from pitstop.domain.state import Switch
from pitstop.domain.targets import PLATFORM, scope_of
from pitstop.domain.windows import (
    OccurrenceTimes,
    Realtime,
    Selector,
    WindowRules,
    next_boundary,
)
from pitstop.services.events import Event
from pitstop.services.fleet_records import NodeRecord
from pitstop.services.lease_index import LeaseIndex
from pitstop.services.page_records import PageOverrides, ServiceGroups

DURATIONS_KEPT = 200
ENDING = ("lease.released", "lease.lost", "lease.force_released")  # events that end a lease
ENDED_KEPT = 100_000


@dataclass(frozen=True, slots=True)
class RealtimeStatus:
    """A service's status as its monitor last reported it."""

    status: Realtime
    message: str | None
    at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class TargetRecord:
    id: str
    kind: str
    name: str
    labels: dict[str, str]
    created_at: datetime
    updated_at: datetime
    version: int
    switch: Switch | None
    realtime: RealtimeStatus | None = None


@dataclass(frozen=True)
class WindowRecord:  # not slotted: caches its parsed series and rules
    id: int
    title: str
    description: str
    start_local: datetime  # naive wall-clock time in ``timezone``
    timezone: str
    duration: timedelta
    rrule: str | None
    affects: tuple[Selector, ...]
    gates_work: bool
    ready_lead: timedelta
    reminders: tuple[timedelta, ...]
    public: bool
    status: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    version: int
    cursor: Cursor | None  # where the horizon refresh stopped (bookkeeping, not versioned)
    exhausted: bool

    @functools.cached_property
    def series(self) -> Series:
        return parse_series(start_local=self.start_local, timezone=self.timezone,
                            duration=self.duration, rule=self.rrule)

    @functools.cached_property
    def rules(self) -> WindowRules:
        return WindowRules(self.id, self.title, self.created_by, self.gates_work, self.status,
                           self.affects, self.ready_lead)


@dataclass(frozen=True, slots=True)
class OccurrenceRecord:
    times: OccurrenceTimes
    deleted: bool
    updated_at: datetime
    version: int

    @property
    def id(self) -> int:
        return self.times.id

    @property
    def live(self) -> bool:
        """Not ended and not deleted: the snapshot keeps only these."""
        return not self.deleted and self.times.status not in TERMINAL


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: str
    name: str
    role: str
    node: str | None = None  # role agent: the node (target id) the token is bound to


def principal_from_row(row: Any) -> Principal:
    return Principal(row["id"], row["name"], row["role"], row.get("node"))


# The events about work, not about the fleet: they leave who is in maintenance as it was.
WORK_EVENTS = ("lease.", "node.reported", "node.work_", "drain.")


@dataclass
class Snapshot:
    targets: dict[str, TargetRecord] = field(default_factory=dict)
    leases: dict[str, LeaseView] = field(default_factory=dict)
    durations: dict[str, deque[float]] = field(default_factory=dict)
    tokens: dict[str, Principal] = field(default_factory=dict)  # by token hash
    nodes: dict[str, NodeRecord] = field(default_factory=dict)  # by target id
    seen: dict[str, datetime] = field(default_factory=dict)  # an agent's last contact, here
    agent_poll_interval_s: float = 30.0  # the default, from settings (see domain.nodes)
    windows: dict[int, WindowRecord] = field(default_factory=dict)
    occurrences: dict[int, OccurrenceRecord] = field(default_factory=dict)  # live ones only
    page: PageOverrides = field(default_factory=PageOverrides)  # branding set by an admin
    groups: ServiceGroups = field(default_factory=ServiceGroups)
    generation: int = 0  # bumped on every change; lets readers cache what they derive
    windows_generation: int = 0  # bumped on every window or occurrence change
    # Bumped on every change but the work itself (leases, what agents report, drains): what
    # a waiting roll driver wakes on, so a busy fleet's leases do not wake it.
    fleet_generation: int = 0
    _typical: dict[str, float] | None = None
    _gone_windows: set[int] = field(default_factory=set)
    _ended_occurrences: dict[int, int] = field(default_factory=dict)  # id -> version
    _by_start: tuple[list[datetime], list[tuple[OccurrenceTimes, WindowRules]]] | None = None
    _next_boundary: tuple[int, datetime | None] | None = None
    _ended: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _changed: asyncio.Event | None = None
    _lease_index: LeaseIndex = field(default_factory=LeaseIndex)
    _reporting: set[str] = field(default_factory=set)  # nodes whose agent reports runs
    _switched: set[str] = field(default_factory=set)  # targets put with a switch on

    def switches(self) -> dict[str, Switch]:
        """Every switch that is on (or ran out and was not turned off), by target id: from
        the targets put with one, not from a pass over the fleet."""
        return {t: switch for t in sorted(self.switched())
                if (switch := self.targets[t].switch) is not None}

    def scope_switches(self, target: str) -> dict[str, Switch]:
        """Only the switches that can affect ``target`` (its own and the platform's)."""
        out = {}
        for source in {target, PLATFORM}:
            record = self.targets.get(source)
            if record is not None and record.switch is not None:
                out[source] = record.switch
        return out

    def scope_labels(self, target: str) -> dict[str, dict[str, str]]:
        """The labels of ``target`` and of what covers it, for matching window selectors."""
        return {s: r.labels for s in scope_of(target) if (r := self.targets.get(s))}

    def _index(self) -> tuple[list[datetime], list[tuple[OccurrenceTimes, WindowRules]]]:
        if self._by_start is None:
            pairs = sorted(
                ((o.times, w.rules) for o in self.occurrences.values()
                 if (w := self.windows.get(o.times.window_id)) is not None),
                key=lambda pair: (pair[0].start, pair[0].id))
            self._by_start = ([p[0].start for p in pairs], pairs)
        return self._by_start

    def started_by(self, now: datetime) -> list[tuple[OccurrenceTimes, WindowRules]]:
        """Live occurrences (with their window's rules) that start at or before ``now``."""
        starts, pairs = self._index()
        return pairs[:bisect.bisect_right(starts, now)]

    def live_pairs(self) -> list[tuple[OccurrenceTimes, WindowRules]]:
        return self._index()[1]

    def next_start_after(self, now: datetime) -> datetime | None:
        """When the next live occurrence starts (a target's view may change then)."""
        starts, _ = self._index()
        i = bisect.bisect_right(starts, now)
        return starts[i] if i < len(starts) else None

    def next_occurrence_boundary(self) -> datetime | None:
        """The earliest time an occurrence changes status by itself (cached per change)."""
        cached = self._next_boundary
        if cached is None or cached[0] != self.windows_generation:
            at = min((b for occ, rules in self.live_pairs()
                      if (b := next_boundary(occ, rules)) is not None), default=None)
            cached = self._next_boundary = (self.windows_generation, at)
        return cached[1]

    def typical_durations(self) -> dict[str, float]:
        """p90 of recent durations per kind; recomputed only after a lease is released."""
        if self._typical is None:
            self._typical = {kind: v for kind, d in self.durations.items()
                             if (v := p90(d)) is not None}
        return self._typical

    def apply(self, event: Event) -> None:
        payload = event.payload
        if isinstance(payload, TargetRecord):
            self.put_target(payload)
        elif event.type == "target.deleted":
            self.targets.pop(payload, None)
        elif isinstance(payload, LeaseView):
            if event.type in ENDING:
                self.end_lease(payload.id, event.data.get("duration_s"), payload.kind,
                               released=event.type == "lease.released")
            else:
                self.put_lease(payload)
        elif isinstance(payload, tuple) and event.type == "token.created":
            token_hash, principal = payload
            self.tokens[token_hash] = principal
        elif event.type == "token.revoked":
            self.tokens = {h: p for h, p in self.tokens.items() if p.token_id != payload}
        elif isinstance(payload, WindowRecord):
            if event.type == "window.deleted":
                self.drop_window(payload.id)
            else:
                self.put_window(payload)
        elif isinstance(payload, OccurrenceRecord):
            self.put_occurrence(payload)
        elif isinstance(payload, PageOverrides):
            self.page = payload
        elif isinstance(payload, ServiceGroups):
            self.groups = payload
        elif isinstance(payload, NodeRecord):
            if event.type == "node.deleted":
                self.nodes.pop(payload.target, None)
                self.seen.pop(payload.target, None)
                self._reporting.discard(payload.target)
            else:
                self.put_node(payload)
        if not isinstance(payload, LeaseView) and not event.type.startswith(WORK_EVENTS):
            self.fleet_generation += 1
        self.notify()

    def put_target(self, record: TargetRecord) -> None:
        current = self.targets.get(record.id)
        if current is None or record.version > current.version:
            self.targets[record.id] = record
            (self._switched.add if record.switch is not None else
             self._switched.discard)(record.id)

    def switched(self) -> list[str]:
        """The targets whose own switch is on (it may have run out): what a pass over the
        targets in maintenance looks at when no window has started and the platform's switch
        is off, instead of the whole fleet."""
        gone = [t for t in self._switched
                if (r := self.targets.get(t)) is None or r.switch is None]
        self._switched.difference_update(gone)
        return list(self._switched)

    def put_node(self, record: NodeRecord) -> None:
        current = self.nodes.get(record.target)
        if current is None or record.version > current.version:
            self.nodes[record.target] = record
            (self._reporting.add if record.running else self._reporting.discard)(record.target)
            if record.reported_at is not None:
                self.seen[record.target] = max(record.reported_at,
                                               self.seen.get(record.target, record.reported_at))

    def in_flight(self) -> list[LeaseView]:
        """Leases and the workloads agents report, for drain status."""
        return [*self.leases.values(), *self._reported_runs()]

    def work_on(self, target: str) -> list[LeaseView]:
        """The leases and reported runs ``target`` covers: all of them for the platform,
        else only its own (looked up, not filtered from every lease)."""
        if target == PLATFORM:
            return self.in_flight()
        work = self._lease_index.on(target)
        node = self.nodes.get(target)
        if node is not None and node.running:
            work.extend(node.workloads_in_flight(self.offline_at(node)))
        return work

    def drain_of(self, target: str, in_maintenance: bool, now: datetime) -> DrainStatus:
        """The drain status of ``target``: the platform's from the lease index's counts
        (it covers every lease), any other's from its own work."""
        if target == PLATFORM:
            return self._lease_index.platform_drain(
                in_maintenance=in_maintenance, now=now, typical=self.typical_durations(),
                reported=self._reported_runs())
        work = self.work_on(target)
        return drain_status(target=target, in_maintenance=in_maintenance, leases=work,
                            now=now, typical=self.typical_durations() if work else {})

    def _reported_runs(self) -> list[LeaseView]:
        work = []
        for target in list(self._reporting):
            node = self.nodes.get(target)
            if node is not None and node.running:
                work.extend(node.workloads_in_flight(self.offline_at(node)))
        return work

    def next_lease_expiry(self) -> datetime | None:
        return self._lease_index.next_expiry()

    def offline_at(self, node: NodeRecord) -> datetime | None:
        """When ``node`` goes offline if it is not heard from again (None: never seen)."""
        seen = self.seen.get(node.target)
        if seen is None:
            return None
        return offline_at(seen, poll_interval_s(node.config, self.agent_poll_interval_s))

    def put_window(self, record: WindowRecord) -> None:
        current = self.windows.get(record.id)
        if record.id in self._gone_windows or (current and current.version > record.version):
            return
        self.windows[record.id] = record
        self.windows_changed()

    def set_cursor(self, window_id: int, version: int, cursor: Cursor | None,
                   exhausted: bool) -> None:
        """Record where the horizon refresh stopped (bookkeeping: no version bump)."""
        current = self.windows.get(window_id)
        if current is not None and current.version == version:
            self.windows[window_id] = replace(current, cursor=cursor, exhausted=exhausted)
            self.windows_changed()

    def drop_window(self, window_id: int) -> None:
        self._gone_windows.add(window_id)
        self.windows.pop(window_id, None)
        for occ_id in [o.id for o in self.occurrences.values()
                       if o.times.window_id == window_id]:
            del self.occurrences[occ_id]
        self.windows_changed()

    def put_occurrence(self, record: OccurrenceRecord) -> None:
        """Keep live occurrences; an ended or deleted one is dropped and never comes back
        through an older event about it."""
        if record.times.window_id in self._gone_windows:
            return
        ended = self._ended_occurrences.get(record.id)
        current = self.occurrences.get(record.id)
        if (ended is not None and ended >= record.version) or (
                current is not None and current.version > record.version):
            return
        if record.live:
            self.occurrences[record.id] = record
        else:
            self.occurrences.pop(record.id, None)
            self._ended_occurrences[record.id] = record.version
            if len(self._ended_occurrences) > ENDED_KEPT:
                del self._ended_occurrences[next(iter(self._ended_occurrences))]
        self.windows_changed()

    def windows_changed(self) -> None:
        self._by_start = None
        self.windows_generation += 1

    def put_lease(self, lease: LeaseView) -> None:
        if lease.id in self._ended:
            return
        current = self.leases.get(lease.id)
        if current is not None and current.expires_at > lease.expires_at:
            lease = replace(lease, expires_at=current.expires_at)
        self.leases[lease.id] = lease
        self._lease_index.put(lease)

    def reconcile_leases(self, leases: Iterable[LeaseView]) -> None:
        """Add leases read from the database that events have not delivered yet (in bulk)."""
        fresh = [x for x in leases if x.id not in self.leases and x.id not in self._ended]
        self.leases.update((x.id, x) for x in fresh)
        self._lease_index.put_many(fresh)
        self.notify()

    def end_lease(
        self, lease_id: str, duration_s: float | None, kind: str, *, released: bool
    ) -> None:
        lease = self.leases.pop(lease_id, None)
        if lease is not None:
            self._lease_index.drop(lease)
        self._ended[lease_id] = None
        while len(self._ended) > ENDED_KEPT:
            self._ended.popitem(last=False)
        if released and duration_s is not None:
            self.durations.setdefault(kind, deque(maxlen=DURATIONS_KEPT)).append(duration_s)
            self._typical = None

    def notify(self) -> None:
        """Record a change and wake everyone waiting for one."""
        self.generation += 1
        if self._changed is not None:
            self._changed.set()
            self._changed = None

    async def wait_for(self, predicate: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until ``predicate()`` holds, re-checked on every change; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            if self._changed is None:
                self._changed = asyncio.Event()
            try:
                async with asyncio.timeout(remaining):
                    await self._changed.wait()
            except TimeoutError:
                return predicate()
        return True

