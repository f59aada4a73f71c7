"""A real Alertmanager per test, pitstop's settings pointing at it, and a clock frozen at the
real time (Alertmanager refuses a silence that ends in its past)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI

from pitstop import clock
from pitstop.app import create_app
from pitstop.services.runtime import Runtime
from pitstop.settings import Settings
from tests.alertmanager import AlertmanagerProcess, skip_or_fail_without_alertmanager
from tests.conftest import make_settings


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[AlertmanagerProcess]:
    skip_or_fail_without_alertmanager()
    workdir = tmp_path / "alertmanager"
    workdir.mkdir()
    am = AlertmanagerProcess(workdir).start()
    yield am
    am.stop()


@pytest.fixture
def now() -> Iterator[datetime]:
    at = datetime.now(UTC).replace(microsecond=0)
    clock.freeze(at)
    yield at
    clock.unfreeze()


@pytest.fixture
def settings(database_url: str, alertmanager: AlertmanagerProcess) -> Settings:
    return make_settings(database_url, alertmanager_url=alertmanager.url)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[FastAPI]:
    """pitstop, started (and at the end stopped) on the test's database."""
    application = create_app(settings, run_scheduler=False)
    async with application.router.lifespan_context(application):
        yield application


async def sync_silences(rt: Runtime, *, check: bool = True) -> None:
    """Run the silence worker until nothing is due now (the clock is frozen)."""
    worker = rt.silence_worker
    assert worker is not None
    delay = await worker.run_once(check=check)
    for _ in range(20):
        if delay > 0:
            return
        delay = await worker.run_once()
