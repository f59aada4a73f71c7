"""The SQLite fast path (FastConnection) stores and reads exactly what SQLAlchemy does.

The same writes go through Database.write() on one fresh database and Database.write_fast()
on another; the stored rows are then read back with plain sqlite3, so what is compared is the
stored text and numbers, not values converted back. The samples are built from the tables'
own columns: a column a migration adds is written by both paths and compared here without
touching this file (and a column of a type with no sample fails, asking for one).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Column, Integer, MetaData, Table, Text

from pitstop.storage import leases as leases_q
from pitstop.storage import targets as targets_q
from pitstop.storage import windows as windows_q
from pitstop.storage.engine import Database
from pitstop.storage.sqlite_fast import FastConnection
from pitstop.storage.tables import leases, occurrences, targets, windows
from tests.conftest import T0, sqlite_copy

Query = Callable[[Any], Awaitable[Any]]


def _sample(column: Column[Any], n: int) -> Any:
    """A value of the column's type that exercises its conversion (microseconds, nested
    JSON with non-ASCII text, a fractional float)."""
    if isinstance(column.type, JSON):
        return {"n": n, "labels": {"team": "ç"}, "list": [1, None, True]}
    kind = getattr(column.type, "impl", column.type).python_type  # a TypeDecorator's own
    if kind is datetime:
        return T0 + timedelta(days=n, microseconds=123_457 * (n + 1))
    if kind is str:
        return f"{column.name}-{n}-é"[: getattr(column.type, "length", None) or None]
    if kind is bool:
        return n % 2 == 0
    if kind is int:
        return 300 + n
    if kind is float:
        return n + 0.25
    pytest.fail(f"no sample for {column.table.name}.{column.name} ({column.type}): add one")


def _row(table: Table, n: int, **values: Any) -> dict[str, Any]:
    """Every column of ``table`` with a sample, except those given."""
    return {c.name: _sample(c, n) for c in table.columns} | values


@pytest.fixture
async def dbs(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two fresh, identical databases: one written through SQLAlchemy, one through the
    fast path. Each holds a target and a gating window with an ongoing occurrence."""
    pair = []
    for name in ("core", "fast"):
        (tmp_path / name).mkdir()
        db = Database(sqlite_copy(sqlite_template, tmp_path / name))
        async with db.write() as conn:
            await targets_q.insert_target(conn=conn, values=_row(targets, 1, id="service:api"))
            window_id = await windows_q.insert_window(conn=conn, values=_row(
                windows, 1, gates_work=True, status="ACTIVE", start_local="2026-03-01T12:00:00"))
            await windows_q.insert_occurrences(conn=conn, rows=[_row(
                occurrences, 1, window_id=window_id, status="ONGOING", deleted=False,
                start=T0 - timedelta(hours=1), end=T0 + timedelta(hours=1))])
        pair.append(db)
    yield pair[0], pair[1]
    for db in pair:
        await db.dispose()


async def _on(db: Database, fast: bool, query: Query) -> Any:
    """Run ``query(conn)`` in a write transaction: SQLAlchemy's, or the fast path's."""
    async with db.write_fast() if fast else db.write() as conn:
        assert isinstance(conn, FastConnection) is fast
        return await query(conn)


def _stored(db: Database, table: str) -> list[list[tuple[str, Any]]]:
    """The table's rows as SQLite holds them, each value with its Python type (1 == True and
    1 == 1.0 in Python; not in this comparison)."""
    with contextlib.closing(sqlite3.connect(db.engine.url.database or "")) as raw:
        rows = raw.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
    return [[(type(v).__name__, v) for v in row] for row in rows]


def _typed(mapping: Any) -> dict[str, tuple[type, Any]] | None:
    return None if mapping is None else {k: (type(v), v) for k, v in dict(mapping).items()}


async def test_both_paths_store_identical_lease_rows(dbs: tuple[Database, Database]) -> None:
    full = _row(leases, 1, target="service:api", state="active")
    admitted = {"id": "lease-2", "target": "platform", "kind": "deploy", "holder": "ci",
                "phase": None, "acquired_at": T0, "expected_end": None, "ttl_s": 60,
                "expires_at": T0 + timedelta(seconds=60)}  # what admission passes
    returned = []
    for db, fast in zip(dbs, (False, True), strict=True):
        await _on(db, fast, lambda c: leases_q.insert_lease(conn=c, values=full))
        await _on(db, fast, lambda c: leases_q.insert_lease(conn=c, values=admitted))
        returned.append([_typed(await _on(db, fast, q)) for q in (
            lambda c: leases_q.release_active_lease(conn=c, lease_id=full["id"],
                                                   now=T0 + timedelta(seconds=1.5)),
            lambda c: leases_q.release_active_lease(conn=c, lease_id=full["id"], now=T0),
            lambda c: leases_q.get_lease(conn=c, lease_id="lease-2"),
            lambda c: leases_q.get_lease(conn=c, lease_id="no-such-lease"),
        )])
    core, fast_db = dbs
    assert _stored(fast_db, "leases") == _stored(core, "leases")
    assert returned[1] == returned[0]
    released, again, _, missing = returned[0]
    assert released is not None and released["state"] == (str, "released")
    assert again is None and missing is None
    stored_full = next(r for r in _stored(fast_db, "leases") if r[0][1] == full["id"])
    assert ("NoneType", None) not in stored_full  # every column of the table was written


async def test_both_paths_read_the_same_admission_rows(dbs: tuple[Database, Database]
                                                       ) -> None:
    core = dbs[0]
    reads: list[Query] = [
        lambda c: targets_q.lock_targets(conn=c, ids=("platform", "service:api"),
                                         exclusive=False),
        lambda c: targets_q.lock_targets(conn=c, ids=("service:api",), exclusive=True),
        lambda c: windows_q.gating_occurrences(conn=c, now=T0, limit=T0 + timedelta(days=1)),
    ]
    for read in reads:
        core_answer, fast_answer = [_answer(await _on(core, fast, read)) for fast in (False, True)]
        assert core_answer and fast_answer == core_answer


def _answer(rows: dict[str, Any] | list[Any]) -> Any:
    if isinstance(rows, dict):
        return {key: _typed(row) for key, row in rows.items()}
    return [_typed(row) for row in rows]


async def test_a_python_side_default_is_refused_not_skipped(sqlite_url: str) -> None:
    """SQLAlchemy computes such a default per execution; the fast path would write NULL."""
    db = Database(sqlite_url)
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True),
                  Column("note", Text, default="computed"))
    raw = sqlite3.connect(":memory:")
    raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT)")
    with pytest.raises(NotImplementedError, match="note"):
        await FastConnection(raw, db.engine.dialect).execute(table.insert(), {"id": 1})
    raw.close()
    await db.dispose()
