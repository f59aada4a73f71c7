"""SQLAlchemy Core statements run on a raw ``sqlite3`` connection: the hot write paths on SQLite.

Through SQLAlchemy's async layer every statement costs ~45 us and every transaction shell
~120 us, while SQLite itself does a lease admission in ~45 us all told. So lease admission
and release run on one dedicated connection, only inside the process's write lock (see
Database.write_fast) — but with the *same* Core statements the query functions hand to
SQLAlchemy. :class:`FastConnection` compiles each statement once, for the engine's own
dialect, and keeps what SQLAlchemy would do at every execution: the SQL text, the order of
the parameters, and SQLAlchemy's bind and result processors of each column type (UTC text
timestamps, JSON text, 0/1 booleans). The rows it writes and reads are therefore the rows
the SQLAlchemy path writes and reads (tests/storage/test_sqlite_fast.py holds both to it),
and a column added to a table reaches both paths at once: there is no second copy of the SQL
or of the value conversions. PostgreSQL never comes here.

What it does not do, and refuses rather than do differently: executemany, and values
computed per execution (Python-side column defaults, callable bind values).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_Processor = Callable[[Any], Any] | None


def open_raw(path: str, busy_timeout_ms: int = 10_000) -> sqlite3.Connection:
    """A connection with the pragmas of the engine's (engine._configure_sqlite)."""
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in ("journal_mode=WAL", f"busy_timeout={busy_timeout_ms:d}", "synchronous=NORMAL",
                   "foreign_keys=ON"):
        raw.execute(f"PRAGMA {pragma}")
    return raw


class FastResult:
    """What the query functions use of a SQLAlchemy result: ``mappings()`` and ``rowcount``."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[dict[str, Any]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def mappings(self) -> Mappings:
        return Mappings(self._rows)


class Mappings(list[dict[str, Any]]):
    """The rows as dicts, with ``first()`` and ``all()`` like SQLAlchemy's MappingResult."""

    def first(self) -> dict[str, Any] | None:
        return self[0] if self else None

    def all(self) -> list[dict[str, Any]]:
        return list(self)


class FastConnection:
    """The raw connection of Database.write_fast, executing Core statements like
    ``AsyncConnection.execute(statement, params)``. Handed out only inside a transaction."""

    def __init__(self, raw: sqlite3.Connection, dialect: Dialect) -> None:
        self.raw = raw
        self.dialect = dialect
        # Per statement (weakly: a statement built per call must not pile up here), per set
        # of parameter names: the compiled form. Statements the hot paths use are constants.
        self._compiled: weakref.WeakKeyDictionary[ClauseElement, dict[tuple[str, ...],
                                                  _Compiled]] = weakref.WeakKeyDictionary()

    async def execute(self, statement: ClauseElement,
                      params: dict[str, Any] | None = None) -> FastResult:
        if params is None:
            params = {}
        elif not isinstance(params, dict):
            raise NotImplementedError("the SQLite fast path executes one parameter set")
        by_keys = self._compiled.get(statement)
        if by_keys is None:
            by_keys = self._compiled[statement] = {}
        keys = tuple(params)
        compiled = by_keys.get(keys)
        if compiled is None:
            compiled = by_keys[keys] = _Compiled(statement, self.dialect, keys)
        return compiled.plan(params).run(self.raw, params)


class _Compiled:
    """A statement compiled for one set of parameter names, as SQLAlchemy compiles it for an
    execution with those names (``column_keys``: an INSERT's columns are the names given)."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
        assert isinstance(compiled, SQLCompiler)
        if compiled.insert_prefetch or compiled.update_prefetch:
            prefetch = [c.name for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise NotImplementedError(f"the SQLite fast path does not compute Python-side "
                                      f"column defaults ({', '.join(prefetch)}); pass values")
        self.compiled = compiled
        self.expanding = tuple(
            b.key for b in compiled.post_compile_params if b.key in keys)
        self._plans: dict[tuple[int, ...], _Plan] = {}

    def plan(self, params: Mapping[str, Any]) -> _Plan:
        """The plan for these parameters: one per length of each expanding (IN) list."""
        lengths = tuple(len(params[key]) for key in self.expanding)
        plan = self._plans.get(lengths)
        if plan is None:
            plan = self._plans[lengths] = _Plan(self.compiled, params)
        return plan


class _Plan:
    """The final SQL text, and for each ``?`` where its value comes from and its processor.

    Built the way DefaultExecutionContext._init_compiled binds parameters: values by bind
    key (else the statement's own literal), expanding lists flattened into numbered names,
    SQLAlchemy's bind processors applied; result rows keyed and converted as
    CursorResult maps them (positionally, with each result column's result processor).
    """

    def __init__(self, compiled: SQLCompiler, params: Mapping[str, Any]) -> None:
        values = compiled.construct_params(params, escape_names=False)
        processors: dict[str, Any] = dict(compiled._bind_processors)
        positions = list(compiled.positiontup or ())
        expanded_from: dict[str, tuple[str, int]] = {}
        if compiled.post_compile_params:
            expanded = compiled.construct_expanded_state(params, escape_names=False)
            self.sql, values = expanded.statement, expanded.parameters
            processors.update(expanded.processors)
            positions = list(expanded.positiontup or ())
            for name, parts in expanded.parameter_expansion.items():
                expanded_from.update({part: (name, i) for i, part in enumerate(parts)})
        else:
            self.sql = compiled.string
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.params: list[tuple[str | None, int | None, Any, _Processor]] = []
        for position in positions:
            name, index = expanded_from.get(position, (position, None))
            bind = binds[name]
            processor = processors.get(position)
            source = bind.key if bind.key in params else name if name in params else None
            if source is not None:
                self.params.append((source, index, None, processor))
            elif bind.callable is not None:
                raise NotImplementedError(f"the SQLite fast path binds values, not callables "
                                          f"({bind.key!r})")
            else:  # a literal of the statement's own (state = 'active'): processed once
                value = values[position]
                self.params.append((None, None, processor(value) if processor else value, None))
        self.columns: list[tuple[str, _Processor]] = [
            (column.keyname, column.type._cached_result_processor(compiled.dialect, None))
            for column in compiled._result_columns]
        # A row is its raw values keyed by name, then the few columns with a processor
        # converted in place: cheaper than testing each column of each row.
        self.keys = tuple(key for key, _ in self.columns)
        self.converted = tuple((i, key, processor)
                               for i, (key, processor) in enumerate(self.columns)
                               if processor is not None)

    def run(self, raw: sqlite3.Connection, params: Mapping[str, Any]) -> FastResult:
        bound = []
        for key, index, value, processor in self.params:
            if key is not None:
                value = params[key] if index is None else params[key][index]
            bound.append(processor(value) if processor is not None else value)
        cursor = raw.execute(self.sql, bound)
        if cursor.description is None:
            return FastResult([], cursor.rowcount)
        if len(cursor.description) != len(self.columns):
            raise RuntimeError(f"the rows of {self.sql!r} are not its compiled result columns")
        keys, converted = self.keys, self.converted
        rows = []
        for row in cursor.fetchall():
            mapping = dict(zip(keys, row, strict=True))
            for i, key, processor in converted:
                mapping[key] = processor(row[i])
            rows.append(mapping)
        return FastResult(rows, cursor.rowcount)
