"""The baseline for the read-path benchmark: a bare Starlette endpoint returning JSON."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BODY = {
    "id": "node:a", "kind": "node", "name": "a", "labels": {"region": "eu"},
    "in_maintenance": False, "causes": [], "until": None,
    "drain": {"in_maintenance": False, "in_flight": 0, "phases": {}, "kinds": {},
              "current_phase": "idle", "safe_to_deploy": False, "estimated_wait_ms": 0,
              "leases": []},
    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
}


async def target(request):  # type: ignore[no-untyped-def]
    return JSONResponse(BODY)


def create_app() -> Starlette:
    return Starlette(routes=[Route("/v1/targets/{target}", target)])


def create_lease_app() -> Starlette:
    """The lease baseline: the same insert and update on the same SQLite pragmas, with
    aiosqlite directly (one connection, no ORM, no gate check, no auth)."""
    import contextlib
    import uuid

    import aiosqlite

    path = os.environ["BENCH_SQLITE"]
    state: dict[str, aiosqlite.Connection] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):  # type: ignore[no-untyped-def]
        conn = await aiosqlite.connect(path)
        for pragma in ("journal_mode=WAL", "busy_timeout=10000", "synchronous=NORMAL"):
            await conn.execute(f"PRAGMA {pragma}")
        await conn.execute("CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, "
                           "target TEXT, kind TEXT, holder TEXT, acquired_at TEXT, "
                           "state TEXT, ended_at TEXT)")
        state["conn"] = conn
        yield
        await conn.close()

    async def acquire(request):  # type: ignore[no-untyped-def]
        body = await request.json()
        lease_id = str(uuid.uuid4())
        conn = state["conn"]
        await conn.execute("INSERT INTO leases VALUES (?, ?, ?, ?, datetime('now'), "
                           "'active', NULL)", (lease_id, body["target"], body["kind"],
                                               body["holder"]))
        await conn.commit()
        return JSONResponse({"id": lease_id, **body}, status_code=201)

    async def release(request):  # type: ignore[no-untyped-def]
        conn = state["conn"]
        await conn.execute("UPDATE leases SET state='released', ended_at=datetime('now') "
                           "WHERE id = ? AND state = 'active'", (request.path_params["id"],))
        await conn.commit()
        return Response(status_code=204)

    return Starlette(routes=[Route("/v1/leases", acquire, methods=["POST"]),
                             Route("/v1/leases/{id}", release, methods=["DELETE"])],
                     lifespan=lifespan)


PG_TABLE = ("CREATE TABLE IF NOT EXISTS baseline_leases (id TEXT PRIMARY KEY, "
            "target TEXT, kind TEXT, holder TEXT, acquired_at TIMESTAMPTZ, state TEXT, "
            "ended_at TIMESTAMPTZ)")


def create_lease_app_pg() -> Starlette:
    """The PostgreSQL lease baseline: the same insert and update with asyncpg directly (a
    pool of as many connections as pitstop's, each statement its own transaction; no ORM,
    no gate check, no auth). The table is created by the bench (PG_TABLE) before start."""
    import contextlib
    import uuid

    import asyncpg

    state: dict[str, asyncpg.Pool] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):  # type: ignore[no-untyped-def]
        state["pool"] = await asyncpg.create_pool(os.environ["BENCH_PG"], min_size=10,
                                                  max_size=30)
        yield
        await state["pool"].close()

    async def acquire(request):  # type: ignore[no-untyped-def]
        body = await request.json()
        lease_id = str(uuid.uuid4())
        await state["pool"].execute(
            "INSERT INTO baseline_leases VALUES ($1, $2, $3, $4, now(), 'active', NULL)",
            lease_id, body["target"], body["kind"], body["holder"])
        return JSONResponse({"id": lease_id, **body}, status_code=201)

    async def release(request):  # type: ignore[no-untyped-def]
        await state["pool"].execute(
            "UPDATE baseline_leases SET state='released', ended_at=now() "
            "WHERE id = $1 AND state = 'active'", request.path_params["id"])
        return Response(status_code=204)

    return Starlette(routes=[Route("/v1/leases", acquire, methods=["POST"]),
                             Route("/v1/leases/{id}", release, methods=["DELETE"])],
                     lifespan=lifespan)


def create_fanout_app() -> Starlette:
    """The stream fan-out baseline: POST /fire answers at once, then sends the event to
    every connected WebSocket in a plain loop, encoding it per client."""
    import asyncio
    import json
    from datetime import UTC, datetime

    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    clients: set[WebSocket] = set()
    fired = [0]

    async def stream(ws: WebSocket) -> None:
        await ws.accept()
        clients.add(ws)
        try:
            while True:
                await ws.receive_text()
        except WebSocketDisconnect:
            pass
        finally:
            clients.discard(ws)

    async def send_all(event: dict) -> None:
        for ws in list(clients):
            try:
                await ws.send_text(json.dumps(event))
            except Exception:
                clients.discard(ws)

    async def fire(request):  # type: ignore[no-untyped-def]
        if request.method == "GET":
            return JSONResponse({"clients": len(clients)})
        fired[0] += 1
        event = {"id": fired[0], "type": "maintenance.entered", "target": "platform",
                 "at": datetime.now(UTC).isoformat(), "data": {"reason": "bench"}}
        task = asyncio.get_running_loop().create_task(send_all(event))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
        return JSONResponse({"id": fired[0]})

    _tasks: set[asyncio.Task[None]] = set()
    return Starlette(routes=[Route("/fire", fire, methods=["GET", "POST"]),
                             WebSocketRoute("/ws", stream)])


def create_longpoll_app() -> Starlette:
    """The held-poll baseline: GET /poll?wait_s= holds until POST /fire (one shared event
    wakes every poll) or the wait ends, then answers a small JSON config with an ETag."""
    import asyncio
    import contextlib

    changed = [asyncio.Event()]
    version = [0]

    async def poll(request):  # type: ignore[no-untyped-def]
        wait_s = float(request.query_params.get("wait_s") or 0)
        etag = f'"{version[0]}"'
        if wait_s > 0 and request.headers.get("if-none-match") == etag:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    await changed[0].wait()
        return JSONResponse({"workloads": [], "version": version[0]},
                            headers={"ETag": f'"{version[0]}"', "Cache-Control": "no-cache"})

    async def fire(request):  # type: ignore[no-untyped-def]
        version[0] += 1
        changed[0].set()
        changed[0] = asyncio.Event()
        return JSONResponse({"version": version[0]})

    return Starlette(routes=[Route("/poll", poll), Route("/fire", fire, methods=["POST"])])
