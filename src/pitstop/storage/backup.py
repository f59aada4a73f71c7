"""An online copy of an SQLite database: SQLite's backup API copies a consistent snapshot
while the server keeps writing (it is not a file copy, which could catch a page mid-write
or miss what is still in the WAL)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL; None for any other database."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    return Path(parsed.database)


def backup_sqlite(source: Path, target: Path, *, pages_per_step: int = 1024) -> int:
    """Copy ``source`` into ``target`` (written beside it, then renamed into place, so a
    reader never sees half a backup); returns the copy's size in bytes."""
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst, pages=pages_per_step)  # steps: writers get the lock in between
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(partial, target)
    return target.stat().st_size
