"""SQLite for the async engine, called directly on the event loop.

SQLAlchemy's aiosqlite adapter hands every cursor operation to aiosqlite's thread: about
sixteen round trips per transaction, ~1 ms before SQLite does anything, which capped lease
admission at ~200 pairs/s. A local SQLite statement in WAL mode with synchronous=NORMAL
takes microseconds, so pitstop runs the stdlib driver inline instead: this is SQLAlchemy's
pysqlite dialect, declared async so ``create_async_engine`` accepts it (its calls simply
never yield). Writers in one process already queue on an asyncio lock (see engine.py); the
loop can only block on another *process* holding the write lock, for at most busy_timeout.

URLs: ``sqlite+aiosqlite://`` (the documented form) and ``sqlite://`` both map here.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine.url import URL
from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_only

DRIVER = "pitstop_inloop"


async def _done() -> None:
    return None


class _Cursor(sqlite3.Cursor):
    async def _async_soft_close(self) -> None:
        """The async result API calls this after execute; rows are already local."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory: type[sqlite3.Cursor] = _Cursor) -> sqlite3.Cursor:  # type: ignore[override]
        return super().cursor(factory)


class SQLiteDialectInLoop(SQLiteDialect_pysqlite):
    driver = DRIVER
    is_async = True
    supports_statement_cache = True

    @classmethod
    def get_pool_class(cls, url: URL) -> type[AsyncAdaptedQueuePool]:
        return AsyncAdaptedQueuePool

    # The async engine insists that executing a statement awaited something; a coroutine
    # that finishes at once satisfies it without a trip through the event loop.
    def do_execute(self, cursor, statement, parameters, context=None):  # type: ignore[no-untyped-def]
        await_only(_done())
        super().do_execute(cursor, statement, parameters, context)

    def do_execute_no_params(self, cursor, statement, context=None):  # type: ignore[no-untyped-def]
        await_only(_done())
        super().do_execute_no_params(cursor, statement, context)

    def do_executemany(self, cursor, statement, parameters, context=None):  # type: ignore[no-untyped-def]
        await_only(_done())
        super().do_executemany(cursor, statement, parameters, context)

    def create_connect_args(self, url: URL):  # type: ignore[no-untyped-def]
        args, kwargs = super().create_connect_args(url)
        kwargs["check_same_thread"] = False  # the pool may close it from another thread
        kwargs["factory"] = _Connection
        return args, kwargs


registry.register(f"sqlite.{DRIVER}", __name__, "SQLiteDialectInLoop")


def inloop_url(url: str) -> str:
    """Map a configured SQLite URL onto the in-loop driver."""
    for prefix in ("sqlite+aiosqlite://", "sqlite+pysqlite://", "sqlite://"):
        if url.startswith(prefix):
            return f"sqlite+{DRIVER}://" + url[len(prefix):]
    return url
