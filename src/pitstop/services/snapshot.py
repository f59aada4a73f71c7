"""The in-memory snapshot that answers hot-path reads without touching the database.

It is loaded once at start and kept current by domain events. Applying is order-insensitive:
target records carry a version (older ones are ignored) and a lease that has ended is never
brought back by a late event about it, so events applied out of commit order still converge.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from pitstop.domain.drain import LeaseView, p90
from pitstop.domain.state import Switch
from pitstop.domain.targets import PLATFORM
from pitstop.services.events import Event

DURATIONS_KEPT = 200
ENDED_KEPT = 100_000


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


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: str
    name: str
    role: str


@dataclass
class Snapshot:
    targets: dict[str, TargetRecord] = field(default_factory=dict)
    leases: dict[str, LeaseView] = field(default_factory=dict)
    durations: dict[str, deque[float]] = field(default_factory=dict)
    tokens: dict[str, Principal] = field(default_factory=dict)  # by token hash
    generation: int = 0  # bumped on every change; lets readers cache what they derive
    _typical: dict[str, float] | None = None
    _ended: OrderedDict[str, None] = field(default_factory=OrderedDict)
    _changed: asyncio.Event | None = None

    # -- reads -------------------------------------------------------------------------------

    def switches(self) -> dict[str, Switch]:
        return {t.id: t.switch for t in self.targets.values() if t.switch is not None}

    def scope_switches(self, target: str) -> dict[str, Switch]:
        """Only the switches that can affect ``target`` (its own and the platform's)."""
        out = {}
        for source in {target, PLATFORM}:
            record = self.targets.get(source)
            if record is not None and record.switch is not None:
                out[source] = record.switch
        return out

    def typical_durations(self) -> dict[str, float]:
        """p90 of recent durations per kind; recomputed only after a lease is released."""
        if self._typical is None:
            self._typical = {kind: v for kind, d in self.durations.items()
                             if (v := p90(d)) is not None}
        return self._typical

    # -- writes ------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        payload = event.payload
        if isinstance(payload, TargetRecord):
            self.put_target(payload)
        elif isinstance(payload, LeaseView):
            if event.type in ("lease.released", "lease.lost"):
                self.end_lease(payload.id, event.data.get("duration_s"), payload.kind,
                               released=event.type == "lease.released")
            else:
                self.put_lease(payload)
        elif isinstance(payload, tuple) and event.type == "token.created":
            token_hash, principal = payload
            self.tokens[token_hash] = principal
        elif event.type == "token.revoked":
            self.tokens = {h: p for h, p in self.tokens.items() if p.token_id != payload}
        self.notify()

    def put_target(self, record: TargetRecord) -> None:
        current = self.targets.get(record.id)
        if current is None or record.version > current.version:
            self.targets[record.id] = record

    def put_lease(self, lease: LeaseView) -> None:
        if lease.id in self._ended:
            return
        current = self.leases.get(lease.id)
        if current is not None and current.expires_at > lease.expires_at:
            lease = replace(lease, expires_at=current.expires_at)
        self.leases[lease.id] = lease

    def reconcile_leases(self, leases: Iterable[LeaseView]) -> None:
        """Add leases read from the database that events have not delivered yet."""
        for lease in leases:
            if lease.id not in self.leases:
                self.put_lease(lease)
        self.notify()

    def end_lease(
        self, lease_id: str, duration_s: float | None, kind: str, *, released: bool
    ) -> None:
        self.leases.pop(lease_id, None)
        self._ended[lease_id] = None
        while len(self._ended) > ENDED_KEPT:
            self._ended.popitem(last=False)
        if released and duration_s is not None:
            self.durations.setdefault(kind, deque(maxlen=DURATIONS_KEPT)).append(duration_s)
            self._typical = None

    # -- waiting -----------------------------------------------------------------------------

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


class ViewCache:
    """Encoded views derived from the snapshot, each valid until the snapshot changes or its
    own time boundary passes (a view of work in flight is never reused)."""

    MAX = 10_000

    def __init__(self, state: Snapshot) -> None:
        self._state = state
        self._items: dict[object, tuple[int, datetime | None, bytes]] = {}

    def get(self, key: object, now: datetime) -> bytes | None:
        item = self._items.get(key)
        if item is None or item[0] != self._state.generation:
            return None
        if item[1] is not None and now >= item[1]:
            return None
        return item[2]

    def put(self, key: object, body: bytes, valid_until: datetime | None) -> None:
        if len(self._items) >= self.MAX:
            self._items.clear()
        self._items[key] = (self._state.generation, valid_until, body)
