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


def teardown_module() -> None:
    for name in SCRIPTS:  # bare names ("common") must not shadow anything later
        sys.modules.pop(name, None)
