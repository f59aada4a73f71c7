"""The snapshot's leases indexed by target, with the next expiry, so one target's drain and
the lease-loss job cost the same with a thousand or a hundred thousand leases in flight."""

from __future__ import annotations

import heapq
from datetime import datetime

from pitstop.domain.drain import LeaseView


class LeaseIndex:
    """Leases by target id, and a heap of expiries.

    The heap is lazy: a heartbeat pushes the lease's new expiry and leaves the old entry,
    which is skipped (and dropped) when it reaches the top; the heap is rebuilt when stale
    entries outnumber the leases, so its size stays within twice theirs.
    """

    def __init__(self) -> None:
        self._by_target: dict[str, dict[str, LeaseView]] = {}
        self._expiry: list[tuple[datetime, str]] = []
        self._live: dict[str, datetime | None] = {}  # lease id -> its current expiry

    def put(self, lease: LeaseView, previous: LeaseView | None) -> None:
        if previous is not None and previous.target != lease.target:
            self._drop_from_target(previous)
        self._by_target.setdefault(lease.target, {})[lease.id] = lease
        self._live[lease.id] = lease.expires_at
        if lease.expires_at is not None and (
                previous is None or previous.expires_at != lease.expires_at):
            heapq.heappush(self._expiry, (lease.expires_at, lease.id))
            self._compact()

    def drop(self, lease: LeaseView) -> None:
        self._drop_from_target(lease)
        self._live.pop(lease.id, None)

    def on(self, target: str) -> list[LeaseView]:
        """The leases whose target is ``target`` (not those it covers)."""
        bucket = self._by_target.get(target)
        return list(bucket.values()) if bucket else []

    def next_expiry(self) -> datetime | None:
        """The earliest expiry of a lease in flight (None: no lease expires)."""
        heap = self._expiry
        while heap:
            at, lease_id = heap[0]
            if self._live.get(lease_id, None) == at:
                return at
            heapq.heappop(heap)  # ended, or a heartbeat moved its expiry on
        return None

    def _drop_from_target(self, lease: LeaseView) -> None:
        bucket = self._by_target.get(lease.target)
        if bucket is not None:
            bucket.pop(lease.id, None)
            if not bucket:
                del self._by_target[lease.target]

    def _compact(self) -> None:
        if len(self._expiry) > 2 * len(self._live) + 64:
            self._expiry = [(at, i) for i, at in self._live.items() if at is not None]
            heapq.heapify(self._expiry)
