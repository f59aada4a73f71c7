"""The benchmarks are not run by the suite (timing stays out of it), but they must not rot:
every script imports against the current code, and the read path's preparation runs."""

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
