"""The benchmarks are not run by the suite (timing stays out of it), but they must not rot:
every script imports against the current code, the read path's preparation runs, and the
fan-out and long-poll benches run end to end with a handful of clients."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
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


def test_stream_fanout_runs_with_a_few_clients(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    fanout = importlib.import_module("stream_fanout")
    monkeypatch.setattr(fanout, "ROUNDS", 2)
    monkeypatch.setattr(fanout, "PROCESSES", 2)
    fanout.report(4, fanout.run(4))
    out = capsys.readouterr().out
    assert "plain loop (WS)" in out and "pitstop WS" in out and "pitstop SSE" in out
    assert "SSE / WS" in out and "KiB per idle client" in out
    assert "plain-socket WebSocket clients" in out


def test_stream_fanout_runs_with_the_websockets_library_unpinned(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fanout = importlib.import_module("stream_fanout")
    monkeypatch.setattr(fanout, "ROUNDS", 2)
    monkeypatch.setattr(fanout, "PROCESSES", 1)
    monkeypatch.setattr(fanout, "PIN", None)
    monkeypatch.setattr(fanout, "WEBSOCKETS_LIBRARY", True)
    monkeypatch.setattr(fanout, "RUNS", fanout.RUNS[:2])  # the two WebSocket servers
    fanout.run(3)
    out = capsys.readouterr().out
    assert "the websockets library's WebSocket clients" in out and "by the scheduler" in out
    assert "plain loop (WS)" in out and "pitstop WS" in out


def test_agent_longpoll_runs_with_a_few_agents(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    longpoll = importlib.import_module("agent_longpoll")
    monkeypatch.setattr(longpoll, "PROCESSES", 2)
    longpoll.run(4)
    out = capsys.readouterr().out
    assert "bare Starlette" in out and "pitstop" in out and "KiB per held poll" in out


def test_flat_costs_builds_a_fleet_with_a_lease_per_node(tmp_path: Path) -> None:
    flat_costs = importlib.import_module("flat_costs")
    url = f"sqlite+aiosqlite:///{tmp_path}/fleet.db"
    asyncio.run(flat_costs.build_fleet(url, 30))
    counts = asyncio.run(_counts(url, ("targets", "nodes", "leases")))
    assert counts == {"targets": 31, "nodes": 30, "leases": 30}  # and the platform
    polled, admitted = flat_costs.sampled(30)
    assert polled and admitted and not set(polled) & set(admitted)
    scripts = flat_costs.lua_scripts(30, tmp_path)
    assert "node:n0" in scripts["target"].read_text()


def test_history_depth_fills_the_audit_in_one_statement(tmp_path: Path) -> None:
    history_depth = importlib.import_module("history_depth")
    url = f"sqlite+aiosqlite:///{tmp_path}/history.db"
    newest = asyncio.run(history_depth.fill(url, 500))
    assert newest >= 500
    assert asyncio.run(_counts(url, ("audit",)))["audit"] >= 500
    assert history_depth.depths(500) == [0, 500]


def test_plots_are_drawn_only_with_matplotlib(tmp_path: Path) -> None:
    plots = importlib.import_module("plots")
    written = plots.plot_curves(tmp_path / "curve.png", "a curve", "size",
                                {"reads": {1000: 100.0, 100000: 95.0}})
    if importlib.util.find_spec("matplotlib") is None:
        assert written is None
    else:
        assert written is not None and written.read_bytes()[:4] == b"\x89PNG"


async def _counts(url: str, names: tuple[str, ...]) -> dict[str, int]:
    from sqlalchemy import func, select

    from pitstop.storage import tables
    from pitstop.storage.engine import Database

    db = Database(url)
    async with db.read() as conn:
        out = {name: (await conn.execute(
            select(func.count()).select_from(getattr(tables, name)))).scalar_one()
            for name in names}
    await db.dispose()
    return out


def teardown_module() -> None:
    for name in SCRIPTS:  # bare names ("common") must not shadow anything later
        sys.modules.pop(name, None)
