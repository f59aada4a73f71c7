"""The deploy API exactly as CI pipelines call it: /admin/maintenance/* with x-admin-code."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from tests.conftest import client_for

UNAUTHORIZED = {"error": "Unauthorized", "message": "Missing or invalid admin code"}


@pytest.fixture
async def ci(app, secrets):
    async with client_for(app, **{"x-admin-code": secrets["admin"]}) as c:
        yield c


async def start_duel(client, phase: str = "betting") -> dict:
    r = await client.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                               "holder": "scheduler", "phase": phase,
                                               "expected_duration_s": 45})
    assert r.status_code == 201
    return r.json()


@pytest.mark.usefixtures("frozen")
async def test_enter_with_work_in_flight_reports_what_is_pending(ci):
    await start_duel(ci)
    r = await ci.post("/admin/maintenance/enter", json={"reason": "deployment",
                                                        "timeoutMs": 0})
    assert r.status_code == 200
    assert r.json() == {
        "success": True,
        "message": "Entered maintenance mode",
        "status": {
            "maintenanceMode": True, "reason": "deployment",
            "enteredAt": "2026-03-01T12:00:00.000Z", "safeToDeploy": False,
            "currentPhase": "betting", "pendingMarkets": 1, "estimatedWaitMs": 45000,
        },
    }


async def test_status_and_exit_shapes(ci):
    await ci.post("/admin/maintenance/enter", json={"timeoutMs": 0})
    status = (await ci.get("/admin/maintenance/status")).json()
    assert status["maintenanceMode"] is True and status["reason"] == "deployment"
    assert status["safeToDeploy"] is True and status["currentPhase"] == "idle"
    r = await ci.post("/admin/maintenance/exit", content=b"",
                      headers={"content-type": "application/json"})
    assert r.status_code == 200
    assert r.json() == {
        "success": True, "message": "Exited maintenance mode",
        "status": {"maintenanceMode": False, "reason": None, "enteredAt": None,
                   "safeToDeploy": True, "currentPhase": "idle", "pendingMarkets": 0,
                   "estimatedWaitMs": 0},
    }


async def test_enter_waits_for_the_cycle_to_finish(ci):
    duel = await start_duel(ci, "fighting")

    async def resolve() -> None:
        await asyncio.sleep(0.3)
        await ci.delete(f"/v1/leases/{duel['id']}")

    finisher = asyncio.create_task(resolve())
    r = await ci.post("/admin/maintenance/enter", json={"reason": "deployment",
                                                        "timeoutMs": 10_000})
    await finisher
    status = r.json()["status"]
    assert status["safeToDeploy"] is True and status["pendingMarkets"] == 0
    assert (await ci.post("/v1/leases", json={"target": "platform", "kind": "duel",
                                               "holder": "scheduler"})).status_code == 503


async def test_enter_times_out_leaving_maintenance_on(ci):
    await start_duel(ci, "fighting")
    r = await ci.post("/admin/maintenance/enter", json={"timeoutMs": 100})
    status = r.json()["status"]
    assert status["maintenanceMode"] is True
    assert status["safeToDeploy"] is False and status["currentPhase"] == "fighting"


@pytest.mark.parametrize("headers", [{}, {"x-admin-code": "wrong"}])
async def test_missing_or_wrong_code_is_the_documented_401(app, headers):
    async with client_for(app, **headers) as c:
        for method, path in [("POST", "/admin/maintenance/enter"),
                             ("GET", "/admin/maintenance/status"),
                             ("POST", "/admin/maintenance/exit")]:
            r = await c.request(method, path)
            assert r.status_code == 401
            assert r.json() == UNAUTHORIZED


async def test_operator_code_is_valid_but_not_an_admin_code(app, secrets):
    async with client_for(app, **{"x-admin-code": secrets["operator"]}) as c:
        r = await c.get("/admin/maintenance/status")
    assert r.status_code == 403  # valid, so not "missing or invalid": the role is wrong
    assert r.json()["type"] == "/problems/forbidden" and "admin token" in r.json()["detail"]


@pytest.mark.parametrize("body", [{"timeoutMs": -1}, {"timeoutMs": 3_600_001},
                                  {"timeoutMs": "soon"}])
async def test_timeout_out_of_range_is_422_and_changes_nothing(ci, body):
    r = await ci.post("/admin/maintenance/enter", json=body)
    assert r.status_code == 422
    assert "timeoutMs" in r.json()["detail"]
    assert (await ci.get("/admin/maintenance/status")).json()["maintenanceMode"] is False


async def test_unexpected_failure_is_the_documented_500(ci, rt):
    async with rt.db.write() as conn:  # a real storage failure, undone afterwards
        await conn.execute(text("ALTER TABLE audit RENAME TO audit_away"))
    try:
        r = await ci.post("/admin/maintenance/enter", json={"timeoutMs": 0})
    finally:
        async with rt.db.write() as conn:
            await conn.execute(text("ALTER TABLE audit_away RENAME TO audit"))
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "Internal Server Error"
    assert body["message"].startswith("Failed to enter maintenance mode: ")
    assert (await ci.get("/admin/maintenance/status")).json()["maintenanceMode"] is False


async def test_health_shows_maintenance_without_auth(ci, anon):
    body = (await anon.get("/health")).json()
    assert body["status"] == "ok" and body["maintenanceMode"] is False
    assert body["maintenanceReason"] is None
    assert isinstance(body["uptime"], float) and body["version"]
    await ci.post("/admin/maintenance/enter", json={"reason": "db upgrade", "timeoutMs": 0})
    body = (await anon.get("/health")).json()
    assert body["maintenanceMode"] is True and body["maintenanceReason"] == "db upgrade"
