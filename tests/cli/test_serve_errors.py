"""`pitstop serve` when it cannot start: one line that says what to change, exit 1, and
nothing changed (no migration ran)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests import pg


def _serve(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")}
    return subprocess.run([sys.executable, "-m", "pitstop", "serve", *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**clean, **env})


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines  # not a traceback
    return lines[0]


def test_a_postgresql_database_that_does_not_exist_is_one_line(tmp_path):
    url = asyncio.run(pg.create_database())  # the server is there; this database is not
    if url is None:
        pg.skip_or_fail()
    asyncio.run(pg.drop_database(url))
    missing = url.rpartition("/")[2]
    line = _one_line(_serve(tmp_path, "--port", "1", PITSTOP_DATABASE_URL=url.replace(
        "postgresql://", "postgresql+asyncpg://")))
    assert f"database '{missing}' does not exist" in line
    assert f"createdb -h 127.0.0.1 -U postgres {missing}" in line


def test_a_port_in_use_is_one_line_and_nothing_is_migrated(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line(_serve(tmp_path, "--port", str(port)))
    assert line == (f"error: 127.0.0.1:{port} is already in use (another pitstop?): serve "
                    "on another port with --port or PITSTOP_PORT")
    assert not (tmp_path / "pitstop.db").exists()  # the check comes before the migrations
