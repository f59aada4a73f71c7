"""The database handle: engine, sessions and the write-transaction discipline.

SQLite: WAL, a busy timeout and ``BEGIN IMMEDIATE`` for writes, so a write transaction holds the
database's single write lock from its first statement (reads inside it then see the latest
committed state, which is what makes lease admission linearizable). Writers in one process also
queue on an asyncio lock instead of spinning on the busy timeout.
PostgreSQL: row locks (``FOR SHARE`` / ``FOR UPDATE``) give the same guarantee across replicas.
Every transaction, on either, turns a connection-level failure into
:class:`pitstop.errors.DatabaseUnavailable` (see outage.py): one seam, so every route, service
and job sees an outage as that one error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Iterator

import orjson
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from pitstop.errors import DatabaseUnavailable, PitstopError
from pitstop.storage.outage import unavailable
from pitstop.storage.sqlite_fast import FastConnection, open_raw
from pitstop.storage.sqlite_inloop import inloop_url

_WRITE = "pitstop_write"
OWNER = "pitstop.database"  # conn.info key: the Database a connection belongs to
CONNECT_TIMEOUT_S = 5


def _number(literal: str) -> int | float:
    """An integer literal read back from a JSON column: as an int when 64 bits hold it (what
    the API's encoder can write), else as the float it was stored from. PostgreSQL's jsonb
    keeps numbers as numeric and writes a stored 1e300 back as 301 digits, with no exponent:
    read as an int, one node config with such a float broke every answer that encodes it."""
    value = int(literal)
    return value if -(2**63) <= value < 2**64 else float(literal)


# One decoder for every JSON column: json.loads with a hook builds a new one per call,
# which at start (a hundred thousand nodes' labels and configs) costs more than the parsing.
_DECODER = json.JSONDecoder(parse_int=_number)


def load_json(text: str | bytes) -> object:
    """orjson first: it reads integers as ``_number`` does (an int within 64 bits, else the
    float) at a third of the cost. What it refuses (NaN, Infinity, a BOM, a 1e400) goes
    the json module's way, which accepts it or raises its own error, as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    if isinstance(text, str) and not text.startswith("\ufeff"):
        return _DECODER.decode(text)
    return json.loads(text, parse_int=_number)  # bytes, or json.loads' error for a BOM


class Database:
    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = 10_000) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms  # SQLite: how long a writer waits for the lock
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, object] = {"echo": echo, "json_deserializer": load_json}
        if self.is_sqlite:
            # Every transaction here ends in an explicit commit or rollback; the pool's
            # extra reset-rollback on check-in would be one more statement per request.
            kwargs.update(pool_reset_on_return=None)
        else:
            # A connect that hangs (a host gone, packets dropped) fails in seconds, not 60.
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True,
                          connect_args={"timeout": CONNECT_TIMEOUT_S})
        engine_url = inloop_url(url) if self.is_sqlite else url
        self.engine: AsyncEngine = create_async_engine(engine_url, **kwargs)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})
        self._write_lock = _FileLock(self.engine.url.database or "") if self.is_sqlite else None
        self._fast: FastConnection | None = None  # SQLite: write_fast's raw connection
        # Told the ids a write transaction appends to the event log, before it commits (the
        # replica backplane's: its own events must never read as another replica's).
        self.on_logged: Callable[[list[int]], None] | None = None
        # Told each outage a transaction ran into (the database check's: /health knows at
        # once, without waiting for its next probe).
        self.on_unavailable: Callable[[DatabaseUnavailable], None] | None = None
        if self.is_sqlite:
            _configure_sqlite(self.engine, busy_timeout_ms)

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed when the block ends, rolled back on error."""
        lock = self._write_lock or contextlib.nullcontext()
        with self._outages():
            async with lock, self._write_engine.connect() as conn, conn.begin():
                conn.info[OWNER] = self  # a pooled connection only ever belongs to this engine
                yield conn

    @contextlib.asynccontextmanager
    async def write_fast(self) -> AsyncIterator[AsyncConnection | FastConnection]:
        """A write transaction for the hottest paths (lease admission and release).

        On SQLite: a dedicated raw connection, still inside the write lock and under
        BEGIN IMMEDIATE, that executes the same Core statements (see sqlite_fast.py).
        Elsewhere: the same as :meth:`write`.
        """
        if self._write_lock is None:
            async with self.write() as conn:
                yield conn
            return
        with self._outages():
            async with self._write_lock:
                if self._fast is None:
                    raw = open_raw(self.engine.url.database or "", self.busy_timeout_ms)
                    self._fast = FastConnection(raw, self.engine.dialect)
                raw = self._fast.raw
                raw.execute("BEGIN IMMEDIATE")
                try:
                    yield self._fast
                except BaseException:
                    raw.execute("ROLLBACK")
                    raise
                _commit(raw)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (never takes SQLite's write lock)."""
        with self._outages():
            async with self.engine.connect() as conn, conn.begin():
                yield conn

    async def ping(self, *, timeout_s: float) -> None:
        """Read one row within ``timeout_s``, or raise DatabaseUnavailable. (A row, not
        ``SELECT 1``: on SQLite that would answer without opening the file.)"""
        try:
            async with asyncio.timeout(timeout_s), self.read() as conn:
                await conn.execute(text("SELECT 1 FROM targets WHERE id = 'platform'"))
        except TimeoutError:
            raise DatabaseUnavailable(kind="TimeoutError", reason=f"no answer within "
                                      f"{timeout_s:g} s") from None

    @contextlib.contextmanager
    def _outages(self) -> Iterator[None]:
        """Within the block, a connection-level failure becomes DatabaseUnavailable."""
        try:
            yield
        except Exception as exc:
            if (domain := self._outage(exc)) is None:
                raise
            raise domain from exc

    def _outage(self, exc: Exception) -> DatabaseUnavailable | None:
        """DatabaseUnavailable if a transaction failed on a connection-level error (told to
        ``on_unavailable``); None for any other error, which propagates as it is."""
        if isinstance(exc, PitstopError):  # a domain error from the block (or a nested one)
            return None
        domain = unavailable(exc)
        if domain is None:
            return None
        if self.on_unavailable is not None:
            self.on_unavailable(domain)
        return domain

    async def dispose(self) -> None:
        if self._fast is not None:
            self._fast.raw.close()
            self._fast = None
        await self.engine.dispose()


def _commit(raw: sqlite3.Connection) -> None:
    try:
        raw.execute("COMMIT")
    except sqlite3.Error:
        # A COMMIT that fails (busy, I/O) leaves the transaction open, and every later
        # BEGIN on this connection would fail: end it, so writes resume when the file does.
        with contextlib.suppress(sqlite3.Error):
            raw.execute("ROLLBACK")
        raise


class _FileLock:
    """The write lock of one SQLite file, shared by every Database on it in this process.

    Two handles on one file in one event loop (replicas in a test, a service beside the
    server) must queue on the same lock: SQLite's busy wait blocks the loop, so a writer
    waiting on the other handle's transaction would stop that transaction from finishing.
    """

    _locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
        weakref.WeakKeyDictionary())

    def __init__(self, path: str) -> None:
        self.path = os.path.realpath(path) if path else path

    def _lock(self) -> asyncio.Lock:
        per_loop = self._locks.setdefault(asyncio.get_running_loop(), {})
        return per_loop.setdefault(self.path, asyncio.Lock())

    async def __aenter__(self) -> None:
        await self._lock().acquire()

    async def __aexit__(self, *exc: object) -> None:
        self._lock().release()  # same loop, same file: the same lock


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        # Take transaction control away from the driver so BEGIN IMMEDIATE can be emitted.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA busy_timeout={busy_timeout_ms:d}",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
