"""``pitstop db current`` and ``pitstop db backup``: an online SQLite copy taken while the
server runs and writes, that opens with every committed row."""

from __future__ import annotations

import sqlite3
import threading

from pitstop.storage.migrate import head_revision


def test_current_and_an_online_backup_while_the_server_writes(live, tmp_path):
    db = {"PITSTOP_DATABASE_URL": live.database_url}
    assert live.cli("db", "current", **db).stdout.strip() == \
        f"database at {head_revision()} (up to date)"
    with live.client() as http:
        http.put("/v1/targets/service:api", json={"labels": {}}).raise_for_status()
        stop = threading.Event()

        def write() -> None:  # keep writing while the copy is taken
            while not stop.is_set():
                http.post("/v1/leases", json={"target": "service:api", "kind": "k",
                                              "holder": "h"})

        writer = threading.Thread(target=write)
        writer.start()
        try:
            copy = tmp_path / "backup.db"
            done = live.cli("db", "backup", str(copy), **db)
        finally:
            stop.set()
            writer.join()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("backed up ")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),)
        assert conn.execute("SELECT count(*) FROM targets WHERE id = 'service:api'"
                            ).fetchone() == (1,)
    again = live.cli("db", "backup", str(copy), **db)
    assert again.returncode == 1 and "--force" in again.stderr
    assert live.cli("db", "backup", str(copy), "--force", **db).returncode == 0


def test_backup_of_postgresql_says_to_use_pg_dump(live, tmp_path):
    r = live.cli("db", "backup", str(tmp_path / "x"),
                 PITSTOP_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1/test")
    assert r.returncode == 1 and "pg_dump" in r.stderr and not (tmp_path / "x").exists()
