"""Shared fixtures: a real database (SQLite file, and PostgreSQL when reachable), the app with
its lifespan, clients per role, and a frozen clock."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from pitstop import clock
from pitstop.app import create_app
from pitstop.services.runtime import Runtime
from pitstop.services.tokens import create_token
from pitstop.settings import Settings
from pitstop.storage.engine import Database
from pitstop.storage.migrate import upgrade
from tests import pg
from tests.live import LiveServer

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ROLES = ("admin", "operator", "viewer", "worker")


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this run, migrated; None when none is reachable."""
    url = asyncio.run(pg.create_database())
    if url is None:
        yield None
        return
    asyncio.run(_migrate(url))
    yield url
    asyncio.run(pg.drop_database(url))


def sqlite_copy(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "pitstop.db"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_copy(sqlite_template, tmp_path)
    url = request.getfixturevalue("pg_url")
    if url is None:
        pg.skip_or_fail()
    asyncio.run(pg.reset(url))
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: for tests whose subject is not storage."""
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def frozen() -> Iterator[datetime]:
    clock.freeze(T0)
    yield T0
    clock.unfreeze()


def make_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(database_url=database_url, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, run_scheduler=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def rt(app: FastAPI) -> Runtime:
    return app.state.rt  # type: ignore[no-any-return]


@pytest.fixture
async def secrets(rt: Runtime) -> dict[str, str]:
    """One token per role, by role name."""
    out = {}
    for role in ROLES:
        created = await create_token(rt=rt, name=f"{role}-user", role=role, actor="test")
        out[role] = created.secret
    return out


def client_for(app: FastAPI, secret: str | None = None, **headers: str) -> httpx.AsyncClient:
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test",
                             headers=headers)


@pytest.fixture
async def admin(app: FastAPI, secrets: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, secrets["admin"]) as c:
        yield c


@pytest.fixture
async def operator(app: FastAPI, secrets: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app, secrets["operator"]) as c:
        yield c


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server process on SQLite, started for this test."""
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()
