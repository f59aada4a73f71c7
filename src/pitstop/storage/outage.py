"""Which errors mean "the database is unreachable" (retry later) rather than a bug.

Connection-level failures only: a refused or reset connection, a timeout while connecting
or waiting for a pooled connection, a server shutting down or refusing more connections, and
on SQLite a file that stays locked or cannot be read. A constraint violation, a syntax error
or a missing table is a bug or a conflict and stays what it is.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator

import asyncpg
from sqlalchemy import exc as sa_exc

from pitstop import clock
from pitstop.errors import DatabaseUnavailable

TRACEBACK_EVERY_S = 60.0
_last_logged: dict[str, float] = {}
_SQLITE = ("database is locked", "disk i/o error", "unable to open database file")
_ASYNCPG = (asyncpg.exceptions.PostgresConnectionError,  # class 08: connection exceptions
            asyncpg.exceptions.CannotConnectNowError,  # starting up, shutting down
            asyncpg.exceptions.AdminShutdownError,
            asyncpg.exceptions.CrashShutdownError,
            asyncpg.exceptions.TooManyConnectionsError)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps, breadth first: SQLAlchemy's ``orig``, ``__cause__`` and
    ``__context__``, each once."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    for err in todo:
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        yield err
        todo += [getattr(err, "orig", None), err.__cause__, err.__context__]


def unavailable(exc: BaseException) -> DatabaseUnavailable | None:
    """The domain error for ``exc`` if it (or what caused it) is a connection-level failure."""
    for err in causes(exc):
        if _is_connection_level(err):
            root = _root(err)
            domain = DatabaseUnavailable(kind=type(root).__name__, reason=_reason(root))
            domain.__cause__ = exc  # its traceback, where it is logged without being raised
            return domain
    return None


def setup_problem(exc: BaseException, url: str) -> str | None:
    """What to change when the database at ``url`` refused pitstop for good (it is not
    there, or the role or password is wrong), as one line; None for any other error."""
    from sqlalchemy.engine import make_url

    where = make_url(url)
    host = f"{where.host or 'localhost'}:{where.port or 5432}"
    for err in causes(exc):
        if isinstance(err, asyncpg.exceptions.InvalidCatalogNameError):
            return (f"database {where.database!r} does not exist on {host}: create it "
                    f"(createdb -h {where.host or 'localhost'} -U {where.username or 'postgres'}"
                    f" {where.database}) or point PITSTOP_DATABASE_URL at one that exists")
        if isinstance(err, asyncpg.exceptions.InvalidPasswordError):
            return (f"PostgreSQL on {host} refused the password of role "
                    f"{where.username!r}: check PITSTOP_DATABASE_URL")
        if isinstance(err, asyncpg.exceptions.InvalidAuthorizationSpecificationError):
            return (f"PostgreSQL on {host} refused role {where.username!r} (it may not "
                    "exist, or pg_hba.conf does not let it in): check PITSTOP_DATABASE_URL")
    return None


def _is_connection_level(err: BaseException) -> bool:
    if isinstance(err, OSError):  # refused, reset, unreachable, TimeoutError
        return True
    if isinstance(err, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(err, sa_exc.DBAPIError) and err.connection_invalidated:
        return True
    if isinstance(err, _ASYNCPG):
        return True
    if isinstance(err, asyncpg.InterfaceError):
        return "connection is closed" in str(err) or "connection was closed" in str(err)
    if isinstance(err, sqlite3.OperationalError):
        return str(err).lower().startswith(_SQLITE)
    return False


def _root(err: BaseException) -> BaseException:
    """The driver's own error under SQLAlchemy's wrappers (its message names the failure)."""
    for _ in range(5):
        inner = getattr(err, "orig", None) or err.__cause__
        if inner is None:
            break
        err = inner
    return err


def _reason(err: BaseException) -> str:
    message = str(err).strip() or "no message"
    return f"{type(err).__name__}: {message}"


def log_unavailable(logger: logging.Logger, where: str, exc: DatabaseUnavailable,
                    *, every_s: float = 0.0) -> None:
    """One WARNING line naming ``where`` and the error (at most one per ``every_s`` for
    ``where``); the traceback rides along at most once per TRACEBACK_EVERY_S overall."""
    now = clock.monotonic()
    if every_s and now - _last_logged.get(where, float("-inf")) < every_s:
        return
    _last_logged[where] = now
    trace = now - _last_logged.get("", float("-inf")) >= TRACEBACK_EVERY_S
    if trace:
        _last_logged[""] = now
    logger.warning("database unavailable on %s: %s", where, exc.reason,
                   exc_info=exc if trace else None)
