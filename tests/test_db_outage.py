"""A database outage is a state, not a crash: writes and database reads answer 503
database_unavailable with Retry-After, one log line each; /health says degraded,
/health/ready 503, reads from memory answer marked stale; and it all recovers by itself.

The outage is a TCP proxy between the server and PostgreSQL that the test cuts (the shared
server keeps running)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from pitstop import sdk
from pitstop.errors import DatabaseUnavailable
from pitstop.storage.engine import Database
from tests import pg
from tests.faults import TcpProxy
from tests.live import LiveServer, until

ENTER = ("POST", "/v1/targets/platform/maintenance/enter", {"reason": "deploy"})
LEASE = ("POST", "/v1/leases", {"target": "platform", "kind": "job", "holder": "w1"})
HISTORY = ("GET", "/v1/history", None)
DEPLOY_ENTER = ("POST", "/admin/maintenance/enter", {"reason": "deploy", "timeoutMs": 0})


@pytest.fixture
def cut_off(pg_url: str | None, tmp_path: Path) -> Iterator[tuple[LiveServer, TcpProxy]]:
    """A real server whose only way to PostgreSQL is a proxy the test can cut."""
    if pg_url is None:
        pg.skip_or_fail()
    asyncio.run(pg.reset(pg_url))
    with TcpProxy.to(pg_url) as proxy:
        server = LiveServer(tmp_path, database_url=proxy.route(pg_url)).start()
        try:
            yield server, proxy
        finally:
            server.stop()


def _client(server: LiveServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=30,
                        headers={"Authorization": f"Bearer {server.token}"})


def _send(http: httpx.Client, request: tuple[str, str, object]) -> httpx.Response:
    method, path, body = request
    return http.request(method, path, json=body)


def _log_lines(server: LiveServer) -> list[str]:
    return server.log.read_text().splitlines()


def _assert_database_unavailable(r: httpx.Response) -> None:
    assert r.status_code == 503, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert 1 <= int(r.headers["retry-after"]) <= 10
    problem = r.json()
    assert problem["type"] == "/problems/database-unavailable"
    assert "database is unreachable" in problem["detail"]
    assert "retried" in problem["detail"]


def test_a_database_outage_answers_503_and_health_degraded_until_it_recovers(cut_off):
    server, proxy = cut_off
    http = _client(server)
    assert _send(http, LEASE).status_code == 201
    assert http.get("/health/ready").status_code == 200

    proxy.cut()
    _assert_database_unavailable(_send(http, ENTER))  # the first one may log a traceback
    before = len(_log_lines(server))
    for _ in range(3):
        for request in (ENTER, LEASE, HISTORY):
            _assert_database_unavailable(_send(http, request))
    deploy = _send(http, DEPLOY_ENTER)  # the CI pipelines' API: its own error shape
    assert deploy.status_code == 503 and deploy.headers["retry-after"]
    assert deploy.json()["error"] == "Service Unavailable"
    assert "database is unreachable" in deploy.json()["message"]
    logged = _log_lines(server)[before:]
    for method, path, _ in (ENTER, LEASE, HISTORY):
        assert len([line for line in logged if f"on {method} {path}:" in line]) == 3, logged
    assert len([line for line in logged if "on POST /admin/maintenance/enter:" in line]) == 1
    assert not any("Traceback" in line for line in logged), logged
    assert len(logged) <= 10 + 5, logged  # one per request, a few from background loops

    health = http.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert body["maintenanceMode"] is False and "uptime" in body and "version" in body
    assert body["checks"]["database"]["status"] == "unreachable"
    assert body["checks"]["database"]["error"]
    assert body["stale"] is True and body["as_of"]
    ready = http.get("/health/ready")
    assert ready.status_code == 503 and ready.headers["retry-after"]
    assert ready.json()["checks"]["database"]["status"] == "unreachable"
    assert http.get("/health/live").status_code == 200
    target = http.get("/v1/targets/platform")
    assert target.status_code == 200
    assert target.json()["stale"] is True and target.json()["drain"]["in_flight"] == 1
    assert target.headers["warning"] == '110 - "Response is Stale"'
    _the_cli_and_sdk_say_so(server)

    proxy.restore()
    until(lambda: _send(http, ENTER).status_code == 200, within=15)
    until(lambda: http.get("/health/ready").status_code == 200, within=10)
    until(lambda: "stale" not in http.get("/v1/targets/platform").json(), within=10)
    target = http.get("/v1/targets/platform")
    assert target.json()["in_maintenance"] is True and "warning" not in target.headers
    assert http.get("/health").json()["status"] == "ok"
    assert http.get("/health").json()["checks"]["database"]["status"] == "ok"


async def test_a_locked_sqlite_file_is_database_unavailable_and_writes_resume(sqlite_url):
    db = Database(sqlite_url, busy_timeout_ms=50)
    path = db.engine.url.database
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")  # another process holds the write lock
        for write in (db.write, db.write_fast):  # the lease fast path and every other write
            with pytest.raises(DatabaseUnavailable) as caught:
                async with write() as conn:
                    await _touch(conn)
            assert "database is locked" in caught.value.reason
        blocker.execute("ROLLBACK")
        for write in (db.write, db.write_fast):
            async with write() as conn:
                await _touch(conn)
    finally:
        blocker.close()
        await db.dispose()


async def _touch(conn: Any) -> None:
    # The same call on both: the fast path's connection executes SQLAlchemy statements too.
    await conn.execute(text("UPDATE targets SET version = version WHERE id = 'platform'"))


def _the_cli_and_sdk_say_so(server: LiveServer) -> None:
    """What a person and a script see during the outage."""
    r = server.cli("status", "platform")
    assert r.returncode == 0 and "platform: operational" in r.stdout
    assert "stale: the server cannot reach its database" in r.stderr
    r = server.cli("enter", "platform", "--reason", "during the outage")
    assert r.returncode == 1 and "database is unreachable" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    with sdk.Client(server.url, server.token) as client, \
            pytest.raises(sdk.Unavailable) as refused:
        client.enter("platform", "during the outage")
    assert refused.value.retry_after and refused.value.status == 503
