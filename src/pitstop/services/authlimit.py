"""Rate limits: too many failed authentications from one address block it for a while; an
agent polls its node's config at most so often; subscribing is counted per client address
and per subscribed address, in the database, so every replica shares the count."""

from __future__ import annotations

import hashlib
from collections import deque
from datetime import datetime, timedelta

from pitstop import clock
from pitstop.domain.ratelimits import admit
from pitstop.errors import RateLimited
from pitstop.storage import ratelimits as limits_q
from pitstop.storage.engine import Database


class FailureLimiter:
    def __init__(self, *, max_failures: int, window_s: int, block_s: int) -> None:
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_s)
        self.block = timedelta(seconds=block_s)
        self._failures: dict[str, deque[datetime]] = {}
        self._blocked_until: dict[str, datetime] = {}

    def retry_after(self, address: str, now: datetime) -> int | None:
        """Seconds until ``address`` may try again, or None when it is not blocked."""
        until = self._blocked_until.get(address)
        if until is None:
            return None
        if now >= until:
            del self._blocked_until[address]
            return None
        return max(1, int((until - now).total_seconds() + 0.999))

    def record_failure(self, address: str, now: datetime) -> None:
        failures = self._failures.setdefault(address, deque())
        failures.append(now)
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        if len(failures) >= self.max_failures:
            self._blocked_until[address] = now + self.block
            failures.clear()
        if len(self._failures) > 10_000:  # forget quiet addresses, keep memory bounded
            for key in [k for k, v in self._failures.items() if not v][:5_000]:
                del self._failures[key]


class AgentLimiter:
    """A token bucket per node: ``rate`` requests per second, ``burst`` at once. It runs on
    pitstop's clock (frozen in tests, so a slow test machine refills nothing); a clock set
    back refills nothing either."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, node: str) -> None:
        now = clock.now().timestamp()
        tokens, at = self._buckets.get(node, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - at) * self.rate)
        if tokens < 1:
            wait = int((1 - tokens) / self.rate) + 1
            self._buckets[node] = (tokens, now)
            raise RateLimited(f"node {node} polls too fast: at most {self.rate:g} requests "
                              f"per second; retry in {wait} s", retry_after=wait)
        self._buckets[node] = (tokens - 1, now)


class CountLimiter:
    """At most ``limit`` requests per key within ``window_s`` (a sliding window), on
    pitstop's clock, counted in the database: replicas sharing PostgreSQL share the count
    (each key's row is locked while one of them counts). The refusal says when the oldest
    counted request leaves the window. Keys are stored hashed (an address is not kept
    here), and keys nobody used for a window are dropped as others are counted."""

    def __init__(self, db: Database, *, limit: int, window_s: int, what: str) -> None:
        self.db, self.limit, self.window_s, self.what = db, limit, window_s, what

    async def check(self, key: str) -> None:
        now = clock.now()
        hashed = hashlib.sha256(f"{self.what}\0{key}".encode()).hexdigest()
        async with self.db.write() as conn:
            hits = await limits_q.lock_hits(conn=conn, key=hashed, now=now)
            kept, wait = admit(hits, now.timestamp(), limit=self.limit,
                               window_s=self.window_s)
            await limits_q.save_hits(conn=conn, key=hashed, hits=kept, now=now)
            await limits_q.forget_quiet(conn=conn,
                                        before=now - timedelta(seconds=self.window_s))
        if wait is not None:
            raise RateLimited(f"too many subscribe requests {self.what}: at most "
                              f"{self.limit} per {self.window_s // 60} minutes; retry in "
                              f"{wait} s", retry_after=wait)
