"""GET /v1/history at depth: page 1 against pages 10,000, 100,000 and 1,000,000 rows deep,
on SQLite and on PostgreSQL.

Each database gets a million audit rows (and a few more), written in bulk by one
INSERT ... SELECT generated inside the database, then one pitstop server. wrk loads each
page in alternation, three rounds; a deep page is reached the way a client reaches it, with
the ``next_cursor`` that ends the page before it (keyset: ``id < cursor``, newest first).
Page 1 on the same server, in the same run, is the baseline: each depth prints req/s and
its ratio to page 1. Aim: >= 0.80 at 1,000,000 rows on both databases. PostgreSQL is the
local server (PITSTOP_BENCH_POSTGRES, default postgresql://postgres@127.0.0.1:5432/test),
in a database this script creates and drops; without one it measures SQLite alone. With
matplotlib installed the curves are drawn to docs/bench/history_depth.png.

    python bench/history_depth.py [--rows 1000000] [--seconds 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import admin_runtime, free_port, median, require_wrk, uvicorn, wait_up, wrk_rps
from plots import plot_curves

from pitstop.services.history import encode_cursor
from pitstop.storage import tables

ADMIN = "pst_bench-admin-token-0123456789"
PAGE = 50
POSTGRES = os.environ.get("PITSTOP_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# One statement per database: the rows are generated where they are stored.
FILL = {
    "sqlite": """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
        INSERT INTO audit (at, actor, action, target, reason, details)
        SELECT strftime('%Y-%m-%d %H:%M:%S', 1767225600 + i, 'unixepoch') || '.000000',
               'bench', 'maintenance.entered', 'node:n' || (i % 1000), 'rolling restart',
               '{"after": {"n": ' || i || '}}'
        FROM n""",
    "postgresql": """
        INSERT INTO audit (at, actor, action, target, reason, details)
        SELECT timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second',
               'bench', 'maintenance.entered', 'node:n' || (i % 1000), 'rolling restart',
               json_build_object('after', json_build_object('n', i))
        FROM generate_series(1, :rows) AS i""",
}


async def fill(url: str, rows: int) -> int:
    """Migrate, add an admin, write ``rows`` audit rows; the newest id."""
    db, _ = await admin_runtime(url, ADMIN)
    async with db.write() as conn:
        await conn.execute(text(FILL[conn.dialect.name]), {"rows": rows})
        newest = (await conn.execute(select(func.max(tables.audit.c.id)))).scalar_one()
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:  # fresh statistics for the planner
            await conn.execute(text("ANALYZE audit"))
            await conn.commit()
    await db.dispose()
    return int(newest)


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A database of its own on the local server (dropped after), or None without one."""
    name = f"pitstop_bench_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> bool:
        try:
            conn = await asyncpg.connect(POSTGRES, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"PostgreSQL not reachable at {POSTGRES} ({exc}): SQLite only")
            return False
        try:
            await conn.execute(sql)
        finally:
            await conn.close()
        return True

    if not asyncio.run(admin(f'CREATE DATABASE "{name}"')):
        yield None
        return
    base = POSTGRES.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def depths(rows: int) -> list[int]:
    """Page 1 (depth 0), the standard depths up to ``rows``, and ``rows`` itself."""
    return sorted({0, rows, *(d for d in (10_000, 100_000, 1_000_000) if d < rows)})


def measure(urls: dict[str, str], rows: int, seconds: int, rounds: int
            ) -> dict[str, dict[int, list[float]]]:
    require_wrk()
    newest = {name: asyncio.run(fill(url, rows + PAGE)) for name, url in urls.items()}
    servers, results = {}, {}
    try:
        for name, url in urls.items():
            port = free_port()
            servers[name] = uvicorn("pitstop_app:create_app", port,
                                    {"PITSTOP_DATABASE_URL": url}, Path(__file__).parent)
            wait_up(f"http://127.0.0.1:{port}/health", timeout=60)
            results[name] = {d: [] for d in depths(rows)}
            servers[name].port = port  # type: ignore[attr-defined]
        for _ in range(rounds):
            for name, proc in servers.items():
                for depth in results[name]:
                    url = f"http://127.0.0.1:{proc.port}/v1/history?limit={PAGE}"  # type: ignore[attr-defined]
                    if depth:
                        url += "&cursor=" + encode_cursor(newest[name] - depth + 1)
                    results[name][depth].append(wrk_rps(
                        url, header=f"Authorization: Bearer {ADMIN}", seconds=seconds))
    finally:
        for proc in servers.values():
            proc.terminate()
            proc.wait()
    return results


def print_report(results: dict[str, dict[int, list[float]]]) -> None:
    for name, by_depth in results.items():
        first = median(by_depth[0])
        print(f"GET /v1/history?limit={PAGE} on {name}")
        for depth, values in by_depth.items():
            rounds = ", ".join(f"{v:.0f}" for v in values)
            label = "page 1" if depth == 0 else f"{depth:,} rows deep"
            print(f"  {label:<22} {median(values):8.0f} req/s  {median(values) / first:5.2f}x"
                  f" of page 1  (rounds: {rounds})")
    print("aim: ratio >= 0.80 at 1,000,000 rows deep, on both databases")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--plot", type=Path, default=Path(__file__).resolve().parents[1]
                        / "docs/bench/history_depth.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, (
            postgres_database() if not args.no_postgres else _none()) as pg:
        urls = {"SQLite": f"sqlite+aiosqlite:///{tmp}/history.db"}
        if pg is not None:
            urls["PostgreSQL"] = pg
        results = measure(urls, args.rows, args.seconds, args.rounds)
    print_report(results)
    if args.plot is not None:
        plot_curves(args.plot, "GET /v1/history: a page at depth against page 1",
                    "rows before the page", {
                        f"{name} page of {PAGE}": {max(d, PAGE): median(v)
                                                   for d, v in by_depth.items()}
                        for name, by_depth in results.items()})


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
