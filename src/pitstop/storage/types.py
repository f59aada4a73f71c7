"""Portable column types."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# An auto-incrementing 64-bit key on PostgreSQL that is still SQLite's ROWID alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# The largest key each column holds on both databases: a bigger id from a URL or a body is
# refused as input before it reaches a query (PostgreSQL would overflow, SQLite's driver too).
INTEGER_MAX = 2**31 - 1
BIG_ID_MAX = 2**63 - 1
Json = JSON().with_variant(JSONB(), "postgresql")
_SQLITE_WIDTH = len("2026-01-01 00:00:00.000000")  # SQLAlchemy's SQLite DATETIME text


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always tz-aware UTC in Python.

    Naive datetimes are refused at the storage boundary: a time without a zone is a bug.
    PostgreSQL stores ``timestamptz``; SQLite stores fixed-width UTC text, which sorts correctly.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def result_processor(self, dialect: Dialect, coltype: object):  # type: ignore[no-untyped-def]
        """On SQLite, the fixed-width text SQLAlchemy writes ("YYYY-MM-DD HH:MM:SS.ffffff")
        is read by ``datetime.fromisoformat`` with the zone appended: the same value as the
        dialect's regex parse and ``process_result_value``'s ``replace``, at a tenth of the
        cost (a start reads hundreds of thousands). Any other text goes the dialect's way."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general
        parse = datetime.fromisoformat

        def process(value: object) -> datetime | None:
            if value.__class__ is str and len(value) == _SQLITE_WIDTH:  # type: ignore[arg-type]
                return parse(value + "+00:00")  # type: ignore[operator]  # UTC, not replace()
            return general(value)  # type: ignore[no-any-return]

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
