"""The snapshot's leases indexed for drain reads, so that one target's drain, the platform's
drain and the lease-loss job cost the same with a thousand or a hundred thousand leases in
flight.

- By target: a node's or a service's drain looks at its own leases only.
- The platform covers every lease: its drain comes from counts kept as leases come and go
  (per phase, per kind) and from lazy heaps (the oldest leases, the oldest per phase, the
  latest expected end, the latest start per kind), less the leases whose TTL has run out
  but whose loss is not recorded yet (found from the expiry heap, usually none).

Heaps are lazy: a change pushes a new entry and leaves the old one, which is dropped when
met; all of them are rebuilt when stale entries could outnumber the leases.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from pitstop.domain.drain import (
    IDLE,
    LISTED,
    RUNNING,
    DrainStatus,
    LeaseView,
    order_key,
    wait_ms,
)
from pitstop.domain.targets import PLATFORM

Entry = tuple[Any, str]  # (sort key, lease id)


def phase_of(lease: LeaseView) -> str:
    return lease.phase or RUNNING


class _Heap:
    """A min-heap of (key, lease id) whose entries may go stale."""

    def __init__(self, valid: Callable[[Entry], bool]) -> None:
        self.items: list[Entry] = []
        self._valid = valid
        self.ordered = True  # False while a bulk put appends: heapify() orders it once

    def push(self, key: Any, lease_id: str) -> None:
        if self.ordered:
            heapq.heappush(self.items, (key, lease_id))
        else:
            self.items.append((key, lease_id))

    def heapify(self) -> None:
        heapq.heapify(self.items)
        self.ordered = True

    def smallest(self, n: int, skip: set[str]) -> list[str]:
        """The ids of the ``n`` smallest valid entries whose id is not in ``skip``; stale or
        repeated entries met on the way are dropped for good."""
        out: list[str] = []
        kept: list[Entry] = []
        seen: set[str] = set()
        while self.items and len(out) < n:
            entry = heapq.heappop(self.items)
            if entry[1] in seen or not self._valid(entry):
                continue
            seen.add(entry[1])
            kept.append(entry)
            if entry[1] not in skip:
                out.append(entry[1])
        for entry in kept:
            heapq.heappush(self.items, entry)
        return out

    def compact(self) -> None:
        self.items = [e for e in set(self.items) if self._valid(e)]
        heapq.heapify(self.items)


class LeaseIndex:
    """Leases by target id, the platform's aggregates, and a heap of expiries."""

    def __init__(self) -> None:
        self._live: dict[str, LeaseView] = {}
        self._by_target: dict[str, dict[str, LeaseView]] = {}
        self._phases: Counter[str] = Counter()
        self._kinds: Counter[str] = Counter()
        self._expiry = _Heap(lambda e: (x := self._live.get(e[1])) is not None
                             and x.expires_at == e[0])
        self._oldest = _Heap(lambda e: e[1] in self._live)
        self._oldest_by_phase: dict[str, _Heap] = {}
        self._latest_end = _Heap(lambda e: (x := self._live.get(e[1])) is not None
                                 and x.expected_end is not None
                                 and -x.expected_end.timestamp() == e[0])
        self._latest_by_kind: dict[str, _Heap] = {}
        self._pushes = 0
        self._bulk = False  # in put_many: new heaps start unordered too

    def put(self, lease: LeaseView) -> None:
        previous = self._live.get(lease.id)
        if previous is not None:
            self.drop(previous)
        self._live[lease.id] = lease
        self._by_target.setdefault(lease.target, {})[lease.id] = lease
        self._phases[phase_of(lease)] += 1
        self._kinds[lease.kind] += 1
        if previous is None:
            self._oldest.push(lease.acquired_at, lease.id)
        if previous is None or phase_of(previous) != phase_of(lease):
            self._phase_heap(phase_of(lease)).push(lease.acquired_at, lease.id)
        if lease.expires_at is not None and (
                previous is None or previous.expires_at != lease.expires_at):
            self._expiry.push(lease.expires_at, lease.id)
        if lease.expected_end is not None:
            if previous is None or previous.expected_end != lease.expected_end:
                self._latest_end.push(-lease.expected_end.timestamp(), lease.id)
        elif previous is None or previous.expected_end is not None:
            self._kind_heap(lease.kind).push(-lease.acquired_at.timestamp(), lease.id)
        self._pushes += 1
        if self._pushes > 2 * len(self._live) + 64:
            self._compact()

    def put_many(self, leases: Iterable[LeaseView]) -> None:
        """``put`` each lease, the heaps ordered once at the end instead of at every push
        (at start: a hundred thousand leases, four or five pushes each)."""
        self._bulk = True
        for heap in self._heaps():
            heap.ordered = False
        try:
            for lease in leases:
                self.put(lease)
        finally:
            self._bulk = False
            for heap in self._heaps():
                heap.heapify()

    def _heaps(self) -> list[_Heap]:
        return [self._expiry, self._oldest, self._latest_end,
                *self._oldest_by_phase.values(), *self._latest_by_kind.values()]

    def drop(self, lease: LeaseView) -> None:
        current = self._live.pop(lease.id, None)
        if current is None:
            return
        bucket = self._by_target.get(current.target)
        if bucket is not None:
            bucket.pop(current.id, None)
            if not bucket:
                del self._by_target[current.target]
        self._phases[phase_of(current)] -= 1
        self._kinds[current.kind] -= 1
        # Counter keeps zeros: the platform's counts must not list a phase with none
        for counter, key in ((self._phases, phase_of(current)), (self._kinds, current.kind)):
            if counter[key] <= 0:
                del counter[key]

    def on(self, target: str) -> list[LeaseView]:
        """The leases whose target is ``target`` (not those it covers)."""
        bucket = self._by_target.get(target)
        return list(bucket.values()) if bucket else []

    def next_expiry(self) -> datetime | None:
        """The earliest expiry of a lease in flight (None: no lease expires)."""
        first = self._expiry.smallest(1, set())
        return self._live[first[0]].expires_at if first else None

    def expired(self, now: datetime) -> set[str]:
        """Leases in flight whose TTL ran out by ``now``: a walk of the expiry heap that
        stops below any entry later than ``now`` (its children are later still)."""
        items, out, stack = self._expiry.items, set(), [0] if self._expiry.items else []
        while stack:
            i = stack.pop()
            at, lease_id = items[i]
            if at > now:
                continue
            lease = self._live.get(lease_id)
            if lease is not None and lease.expires_at == at:
                out.add(lease_id)
            stack.extend(c for c in (2 * i + 1, 2 * i + 2) if c < len(items))
        return out

    def platform_drain(self, *, in_maintenance: bool, now: datetime,
                       typical: Mapping[str, float], reported: Iterable[LeaseView]
                       ) -> DrainStatus:
        """What ``drain_status`` says for the platform over every lease and ``reported``
        run, without looking at each lease."""
        gone = self.expired(now)
        runs = sorted((r for r in reported if r.counts_at(now)), key=order_key)
        lapsed = [self._live[i] for i in gone]
        phases = (self._phases - Counter(phase_of(x) for x in lapsed)
                  + Counter(phase_of(r) for r in runs))
        kinds = self._kinds - Counter(x.kind for x in lapsed) + Counter(r.kind for r in runs)
        count = len(self._live) - len(gone) + len(runs)
        listed = sorted([*self._leases(self._oldest.smallest(LISTED, gone)), *runs[:LISTED]],
                        key=order_key)[:LISTED]
        if not count:
            current, estimate = IDLE, 0
        else:
            current = self._current_phase(phases, runs, gone)
            estimate = self._estimate(now, typical, runs, gone)
        return DrainStatus(
            target=PLATFORM, in_maintenance=in_maintenance, in_flight=count,
            leases=tuple(listed), phases=dict(sorted(phases.items())),
            kinds=dict(sorted(kinds.items())), current_phase=current,
            safe_to_deploy=in_maintenance and not count, estimated_wait_ms=estimate)

    def _current_phase(self, phases: Counter[str], runs: list[LeaseView], gone: set[str]
                       ) -> str:
        """The most common phase; a tie goes to the phase of the oldest work among them."""
        top = max(phases.values())
        tied = [p for p, n in phases.items() if n == top]
        if len(tied) == 1:
            return tied[0]
        oldest: list[LeaseView] = []
        for phase in tied:
            heap = self._oldest_by_phase.get(phase)
            oldest.extend(self._leases(heap.smallest(1, gone) if heap else []))
            run = next((r for r in runs if phase_of(r) == phase), None)
            if run is not None:
                oldest.append(run)
        return phase_of(min(oldest, key=order_key))

    def _estimate(self, now: datetime, typical: Mapping[str, float], runs: list[LeaseView],
                  gone: set[str]) -> int | None:
        """The longest wait: only the lease ending last, and per kind the one started last,
        can have it."""
        candidates = [*runs, *self._leases(self._latest_end.smallest(1, gone))]
        for kind in typical:
            heap = self._latest_by_kind.get(kind)
            if heap is not None:
                candidates.extend(self._leases(heap.smallest(1, gone)))
        waits = [w for w in (wait_ms(x, now, typical) for x in candidates) if w is not None]
        return max(waits) if waits else None

    def _leases(self, ids: Iterable[str]) -> list[LeaseView]:
        return [self._live[i] for i in ids]

    def _phase_heap(self, phase: str) -> _Heap:
        heap = self._oldest_by_phase.get(phase)
        if heap is None:
            heap = self._oldest_by_phase[phase] = _Heap(
                lambda e: (x := self._live.get(e[1])) is not None and phase_of(x) == phase)
            heap.ordered = not self._bulk
        return heap

    def _kind_heap(self, kind: str) -> _Heap:
        heap = self._latest_by_kind.get(kind)
        if heap is None:
            heap = self._latest_by_kind[kind] = _Heap(
                lambda e: (x := self._live.get(e[1])) is not None and x.expected_end is None)
            heap.ordered = not self._bulk
        return heap

    def _compact(self) -> None:
        for heap in self._heaps():
            heap.compact()
        self._pushes = 0
