"""The benchmarks are not run by the suite (timing stays out of it), but they must not rot:
every script imports against the current code, and the read path's preparation runs."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__")


@pytest.fixture(autouse=True)
def _bench_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))


@pytest.mark.parametrize("name", SCRIPTS)
def test_bench_script_imports(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__name__ == name


def test_read_path_preparation_runs(tmp_path: Path) -> None:
    read_path = importlib.import_module("read_path")
    asyncio.run(read_path._prepare(f"sqlite+aiosqlite:///{tmp_path}/bench.db"))
    assert (tmp_path / "bench.db").stat().st_size > 0


def test_lease_pg_database_is_prepared_and_dropped() -> None:
    """The PostgreSQL lease bench's own database: created with pitstop's schema, token and
    target and the baseline's table, then dropped."""
    import asyncpg

    from tests import pg

    bench = importlib.import_module("lease_throughput_pg")
    bench.SERVER = pg.BASE

    async def run() -> list[str]:
        try:
            url = await bench.create_database()
        except (OSError, asyncpg.PostgresError):
            pg.skip_or_fail()
        try:
            conn = await asyncpg.connect(url)
            try:
                tables = [r["tablename"] for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE tablename IN "
                    "('leases', 'baseline_leases') ORDER BY tablename")]
            finally:
                await conn.close()
        finally:
            await bench.drop_database(url)
        return tables

    assert asyncio.run(run()) == ["baseline_leases", "leases"]


def teardown_module() -> None:
    for name in SCRIPTS:  # bare names ("common") must not shadow anything later
        sys.modules.pop(name, None)
