"""create_app(settings): routers, error handlers, start-up and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import logging
from collections.abc import AsyncIterator, Iterator

from fastapi import FastAPI
from fastapi.routing import APIRouter
from fastapi.staticfiles import StaticFiles

from pitstop import __version__
from pitstop.api import (
    agent,
    badges,
    branding,
    calendar,
    deploy,
    docs,
    feeds,
    health,
    history,
    leases,
    metrics,
    nodes,
    notifications,
    openapi,
    problems,
    rolls,
    services,
    silences,
    statuspage,
    stream,
    subscribers,
    targets,
    tokens,
    updates,
    windows,
)
from pitstop.api.direct import Direct
from pitstop.api.guard import InputGuard
from pitstop.logs import guard_uvicorn_loggers
from pitstop.scheduler.loop import run_forever
from pitstop.services.backplane import Backplane
from pitstop.services.loader import load_keys, load_snapshot
from pitstop.services.wiring import wire
from pitstop.settings import Settings, load_settings
from pitstop.storage.engine import Database
from pitstop.storage.migrate import current_revision, head_revision
from pitstop.web import admin, console, embed, fleet, pages, plans
from pitstop.web import common as console_common
from pitstop.web import subscribe as subscribe_pages
from pitstop.web.templating import STATIC

log = logging.getLogger(__name__)


class SchemaOutOfDate(RuntimeError):
    pass


async def _check_schema(db: Database) -> None:
    current, head = await current_revision(db), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"database schema is at {current or 'nothing'}, this version needs {head}: "
            "run `pitstop db upgrade` (pitstop serve does it before it starts)"
        )


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
    """What is loaded in here lives as long as the process: no collection runs while it is
    built (at 100,000 targets the loading made ~1,000,000 objects, and the collections
    that kept walking them took half of its time), and at the end it is put out of the
    collector's sight, so that a full collection no longer walks every target, node, token
    and lease (0.3-0.9 s without an answer)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _no_framework_telemetry() -> dict[str, object]:
    """FastAPI >= 0.16x instruments every request with OpenTelemetry checks; pitstop exports
    its own metrics, so that per-request cost is switched off where the option exists."""
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters:
        return {"telemetry": {"tracing": False, "metrics": False, "logs": False,
                              "operation_spans": False}}
    return {}


def _route(app: FastAPI, routers: list[APIRouter]) -> None:
    """One flat routing table of the routers' routes, as they are (FastAPI's include_router
    would wrap each router in a nested matcher that costs every request a walk through it),
    with the polled Direct routes first: they are matched in a few regex tests."""
    routes = [route for router in routers for route in router.routes]
    app.router.routes.extend(sorted(routes, key=lambda route: not isinstance(route, Direct)))


def create_app(settings: Settings | None = None, *, run_scheduler: bool = True) -> FastAPI:
    settings = settings or load_settings()
    guard_uvicorn_loggers()  # whoever runs the app: stream tokens stay out of the log

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        try:
            await _check_schema(db)
            rt = wire(settings, db)
            with _uncollected():
                await load_snapshot(rt)
                await load_keys(rt)
            if settings.is_sqlite:  # the only process: it leads from the start
                await rt.drain_watch.catch_up()
            app.state.rt = rt
            background = [asyncio.create_task(run_forever(rt)),
                          asyncio.create_task(rt.delivery.run_forever())] if run_scheduler else []
            if run_scheduler and rt.silence_worker is not None:
                background.append(asyncio.create_task(rt.silence_worker.run_forever()))
            background.append(asyncio.create_task(rt.db_check.run_forever()))
            if not settings.is_sqlite:  # replicas may share the database
                rt.backplane, rt.leader = Backplane(rt), False
                await rt.backplane.start()
                background.append(asyncio.create_task(rt.backplane.run_forever()))
            yield
            for task in background:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await rt.settle()
            await rt.delivery.close()
            if rt.silence_worker is not None:
                await rt.silence_worker.close()
        finally:
            await db.dispose()

    app = FastAPI(
        **_no_framework_telemetry(),
        title="pitstop",
        version=__version__,
        summary="Maintenance-mode control plane: switches, leases that gate and drain work, "
        "audit history.",
        lifespan=lifespan,
        generate_unique_id_function=openapi.unique_id,
        docs_url=None,  # served by api.docs, without a CDN
        redoc_url=None,
    )
    problems.install(app)
    console_common.install(app)  # a console page without a session: the login page
    app.add_middleware(InputGuard, max_body_bytes=settings.max_body_bytes)
    _route(app, [module.router for module in (
        problems, health, targets, leases, windows, services, calendar, statuspage, badges,
        branding, feeds, nodes, rolls, agent, stream, history, tokens, updates, notifications,
        subscribers, silences, deploy, metrics, pages, subscribe_pages, console, fleet, plans,
        embed, admin)] + [branding.public])
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    docs.install(app)
    openapi.install(app)
    return app
