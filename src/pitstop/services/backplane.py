"""Replicas sharing one PostgreSQL: LISTEN/NOTIFY carries changes between them, and a session
advisory lock elects the one replica that runs the scheduler's jobs.

1. Every transaction that logs events also sends ``NOTIFY pitstop, ':events'`` (delivered on
   commit, so never for a change that rolled back). Each replica reads the log after the
   last id it streamed and hands the rows to its stream clients, in id order, then refreshes
   its snapshot and tells its local subscribers about the other replicas' events.
2. The stream gets events in id order without gaps or repeats: this replica's own events go
   out at once when they follow the last one streamed, otherwise the log is read first (ids
   commit in order: see ``storage.events.append_events``).
3. Changes that are not logged (leases, tokens, agent reports) are announced after the commit,
   coalesced; other replicas re-read those rows. The periodic full pass bounds staleness if
   an announcement is lost with a crashed process.
4. The listening connection also holds the leader lock; if it drops, PostgreSQL releases the
   lock and another replica takes over within ``RETRY_S``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import asyncpg

from pitstop import clock
from pitstop.services import loader
from pitstop.services.events import Event
from pitstop.services.runtime import Runtime
from pitstop.storage import events as events_q
from pitstop.storage.events import CHANNEL
from pitstop.storage.outage import log_unavailable, unavailable

log = logging.getLogger(__name__)
LEADER_LOCK = 7_461_002
RETRY_S = 2.0
QUIET_S = 30.0
PAGE = 1_000
OWN_KEPT = 10_000
_UNLOGGED = {"lease.": "leases", "token.": "tokens", "node.reported": "nodes"}


def _markers(kinds: set[str]) -> list[Event]:
    """Stand-ins for other replicas' unlogged changes, for the leader's watches: a lease
    ended or an agent reported somewhere (the refreshed snapshot says where)."""
    now = clock.now()
    marks = {"leases": "lease.released", "nodes": "node.reported"}
    return [Event(marks[k], None, now) for k in sorted(kinds) if k in marks]


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


class Backplane:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.origin = secrets.token_hex(6)
        self.last = 0  # the last event id handed to the stream
        self._own: deque[int] = deque(maxlen=OWN_KEPT)
        self._own_set: set[int] = set()
        self._pending: set[str] = set()
        self._wake = asyncio.Event()
        self._outgoing: set[str] = set()
        self._send = asyncio.Event()
        self._conn: Any = None
        self._conn_lock = asyncio.Lock()
        self._sessions = 0
        self._starting = True  # within start(), right after the snapshot was loaded
        # Since when other replicas' changes may be missing here (the connection dropped);
        # None once a session has caught up.
        self.lost_at: datetime | None = None
        rt.db.on_logged = self._remember_all

    async def start(self) -> None:
        """Listen and try to lead before serving, so a replica starts in a known role."""
        async with self.rt.db.read() as conn:
            self.last = await events_q.last_event_id(conn=conn)
        try:
            await self._connect()
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("replica backplane could not connect (%s); retrying", exc)
            self.lost_at = clock.now()
        finally:
            self._starting = False
        if self._conn is not None and not self.rt.leader:
            log.info("replica %s follows: another replica runs the scheduler", self.origin)

    def offer(self, events: Iterable[Event]) -> None:
        """This replica's committed events: stream them now if they follow on, else read
        the log first. Unlogged changes are announced to the other replicas."""
        for event in events:
            if event.id is None:
                kind = next((k for p, k in _UNLOGGED.items() if event.type.startswith(p)), None)
                if kind is not None:
                    self._outgoing.add(kind)
                    self._send.set()
                continue
            self._remember(event.id)
            if event.id == self.last + 1:
                self.last = event.id
                self.rt.stream.broadcast([event])
            elif event.id > self.last:
                self._pending.add("events")
                self._wake.set()

    def _remember_all(self, ids: list[int]) -> None:
        for event_id in ids:
            self._remember(event_id)

    def _remember(self, event_id: int) -> None:
        if event_id in self._own_set:  # learnt before its commit, offered after it
            return
        if len(self._own) == self._own.maxlen:
            self._own_set.discard(self._own[0])
        self._own.append(event_id)
        self._own_set.add(event_id)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        origin, _, kind = payload.partition(":")
        if origin != self.origin:
            self._pending.add(kind)
            self._wake.set()

    async def run_forever(self) -> None:
        """Listen, lead when possible, and apply what other replicas announce; reconnect
        (catching up from the log) whenever the connection drops."""
        while True:
            try:
                if self._conn is None:
                    await self._connect()
                await self._session(self._conn)
            except asyncio.CancelledError:
                self._lose_leadership(shutting_down=True)
                raise
            except Exception as exc:  # any failure: drop the session (and the lock), retry
                self._failed(exc)
            finally:
                self._lose_leadership()  # the lock went with the session
            await asyncio.sleep(RETRY_S)

    async def _connect(self) -> None:
        conn = await asyncpg.connect(asyncpg_dsn(self.rt.db.url))
        await conn.add_listener(CHANNEL, self._on_notify)
        # What committed before LISTEN took effect (at start: since the last id was read)
        # was announced to nobody here: read the log once; after a reconnect, re-read all.
        self._pending.add("events")
        if self._sessions:
            self._pending.update(("leases", "tokens", "nodes"))
            self._outgoing.update(("leases", "tokens", "nodes"))  # ours may have been lost
            self._send.set()
        self._wake.set()
        self._sessions += 1
        self._conn = conn
        await self._try_lead(conn)

    async def _session(self, conn: Any) -> None:
        try:
            sender = asyncio.create_task(self._announce_loop())
            try:
                while not conn.is_closed():
                    await self._try_lead(conn)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(RETRY_S):
                            await self._wake.wait()
                    self._wake.clear()
                    await self._apply(self._take())
                    self.lost_at = None  # caught up: the first pass re-reads everything
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        finally:
            self._conn = None
            self.lost_at = self.lost_at or clock.now()
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    def _failed(self, exc: Exception) -> None:
        """One line per failed session; while the database stays unreachable, one line per
        ``QUIET_S`` (the database check reports the outage itself)."""
        outage = unavailable(exc)
        if outage is None:
            log.warning("replica backplane failed (%s: %s); reconnecting in %s s",
                        type(exc).__name__, exc, RETRY_S)
            return
        self.lost_at = self.lost_at or clock.now()
        self.rt.db_check.failed(outage)
        log_unavailable(log, "the replica backplane (reconnecting every "
                        f"{RETRY_S:g} s)", outage, every_s=QUIET_S)

    async def _try_lead(self, conn: Any) -> None:
        """Take the leader lock if free; a leader instead checks its session is alive (a
        half-open connection would otherwise keep it leading after the lock is gone)."""
        async with self._conn_lock:
            if self.rt.leader:
                await conn.fetchval("SELECT 1", timeout=RETRY_S)
                return
            got = await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK,
                                      timeout=RETRY_S)
        if got:
            # Derivation starts from the state as it is now, not from when this replica
            # last led (the previous leader recorded what happened meanwhile). At start
            # the snapshot was loaded a moment ago: no second full read.
            if not self._starting:
                await loader.refresh_snapshot(self.rt)
            self.rt.config_watch.prime()
            await self.rt.drain_watch.catch_up()  # what became safe while nobody led
            self.rt.leader = True  # at once after it: no change goes underived between
            self.rt.scheduler_wake.set()
            self._log_takeover()

    def _log_takeover(self) -> None:
        """Leading from the start is routine; taking over later means the previous leader
        died or was cut off, which an operator should see at the default log level too."""
        if self._starting:
            log.info("replica %s leads: it runs the scheduler", self.origin)
        else:
            log.warning("replica %s took over the scheduler (no other replica held the "
                        "leader lock)", self.origin)

    def _lose_leadership(self, *, shutting_down: bool = False) -> None:
        if self.rt.leader and shutting_down:
            log.info("replica %s stops running the scheduler: it is shutting down",
                     self.origin)
        elif self.rt.leader:
            log.warning("replica %s no longer runs the scheduler (its database session "
                        "ended; another replica takes over)", self.origin)
        self.rt.leader = False

    def _take(self) -> set[str]:
        kinds, self._pending = self._pending, set()
        return kinds

    async def _apply(self, kinds: set[str]) -> None:
        remote: list[Event] = []
        if "events" in kinds:
            remote = await self._read_log()
        if self.rt.leader:
            self.rt.config_watch.before(remote)  # before the refresh shows their change
        if remote or "nodes" in kinds:
            await loader.refresh_snapshot(self.rt)
        else:
            # Lease changes alone (the busiest announcement: every acquire and release on
            # another replica) re-read the leases, not the whole snapshot: under lease
            # load, that full re-read was most of what a second replica added.
            if "leases" in kinds:
                await loader.refresh_leases(self.rt)
            if "tokens" in kinds:
                await loader.refresh_tokens(self.rt)
        for event in remote:
            self.rt.bus.publish(event)
        self.rt.derive([*remote, *_markers(kinds)])
        if remote or kinds - {"events"}:
            self.rt.state.notify()  # drain waits re-check
            if self.rt.leader:  # another replica's lease or window may be due sooner
                self.rt.scheduler_wake.set()

    async def _read_log(self) -> list[Event]:
        """Stream what the log holds after the last id streamed; return the events that
        came from other replicas."""
        remote = []
        while True:
            async with self.rt.db.read() as conn:
                rows = await events_q.events_after(conn=conn, after=self.last, limit=PAGE)
            for row in rows:
                if row["id"] <= self.last:
                    continue  # streamed meanwhile
                event = Event(row["type"], row["target"], row["at"], row["data"], id=row["id"])
                self.last = row["id"]
                self.rt.stream.broadcast([event])
                if row["id"] not in self._own_set:
                    remote.append(event)
            if len(rows) < PAGE:
                return remote

    async def _announce_loop(self) -> None:
        """Send coalesced announcements of unlogged changes (at most one per kind and
        round trip, however many leases changed meanwhile)."""
        while True:
            await self._send.wait()
            self._send.clear()
            conn = self._conn
            if conn is None:
                continue  # kept in _outgoing: sent after the reconnect
            kinds, self._outgoing = self._outgoing, set()
            try:
                async with self._conn_lock:
                    for kind in sorted(kinds):
                        await conn.execute("SELECT pg_notify($1, $2)", CHANNEL,
                                           f"{self.origin}:{kind}")
            except BaseException:
                self._outgoing |= kinds  # not sent: again after the reconnect
                raise
