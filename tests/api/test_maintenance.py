"""Switches: enter and exit with a reason, idempotence, expiry, platform covering all."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler import jobs
from pitstop.services.tokens import create_token
from tests.conftest import client_for, make_settings

pytestmark = pytest.mark.usefixtures("frozen")


async def enter(client: httpx.AsyncClient, target: str, reason: str = "kernel upgrade",
                **extra: object) -> httpx.Response:
    return await client.post(f"/v1/targets/{target}/maintenance/enter",
                             json={"reason": reason, **extra})


async def history(client: httpx.AsyncClient, **params: str) -> list[dict]:
    return (await client.get("/v1/history", params=params)).json()["items"]


async def test_enter_puts_target_in_maintenance_with_its_cause(operator, frozen):
    r = await enter(operator, "platform", "database migration")
    assert r.status_code == 200
    body = r.json()
    assert body["changed"] is True
    target = body["target"]
    assert target["in_maintenance"] is True
    assert target["causes"] == [{
        "kind": "switch", "source": "platform", "reason": "database migration",
        "actor": "operator-user", "since": "2026-03-01T12:00:00Z", "until": None,
        "public_message": None,
        "holders": [{"actor": "operator-user", "hold": None, "reason": "database migration",
                     "public_message": None, "since": "2026-03-01T12:00:00Z",
                     "expires_at": None}],
    }]
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is True


async def test_enter_twice_changes_nothing_and_says_so(operator):
    first = (await enter(operator, "platform")).json()
    clock.advance(30)
    r = await enter(operator, "platform", "another reason")
    assert r.status_code == 200
    assert r.json()["changed"] is False
    assert "already in maintenance" in r.json()["message"]
    assert r.json()["target"]["causes"] == first["target"]["causes"]
    entered = await history(operator, action="maintenance.entered")
    assert len(entered) == 1


async def test_exit_ends_maintenance_and_is_recorded(operator):
    await enter(operator, "platform")
    r = await operator.post("/v1/targets/platform/maintenance/exit", json={"reason": "done"})
    assert r.status_code == 200
    assert r.json()["changed"] is True
    assert r.json()["target"]["in_maintenance"] is False
    rows = await history(operator, target="platform")
    assert [(row["action"], row["reason"], row["actor"]) for row in rows] == [
        ("maintenance.exited", "done", "operator-user"),
        ("maintenance.entered", "kernel upgrade", "operator-user"),
    ]
    assert rows[0]["details"]["before"]["reason"] == "kernel upgrade"


async def test_platform_maintenance_covers_every_target(operator):
    await operator.put("/v1/targets/node:web-1", json={"labels": {}})
    await operator.put("/v1/targets/service:api", json={"labels": {}})
    await enter(operator, "platform", "datacenter move")
    for target in ("node:web-1", "service:api"):
        body = (await operator.get(f"/v1/targets/{target}")).json()
        assert body["in_maintenance"] is True
        assert body["causes"][0]["source"] == "platform"


async def test_node_exit_keeps_platform_cause(operator):
    await operator.put("/v1/targets/node:a", json={})
    await enter(operator, "node:a", "disk swap")
    await enter(operator, "platform", "network")
    r = await operator.post("/v1/targets/node:a/maintenance/exit", json={"reason": "disk ok"})
    body = r.json()
    assert body["changed"] is True
    assert body["target"]["in_maintenance"] is True
    assert [c["source"] for c in body["target"]["causes"]] == ["platform"]
    assert "still in maintenance by platform" in body["message"]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({}, "reason", "Field required"),
        ({"reason": ""}, "reason", "must not be empty"),
        ({"reason": "   "}, "reason", "must not be empty"),
        ({"reason": "x" * 501}, "reason", "at most 500"),
        ({"reason": 42}, "reason", "valid string"),
        ({"reason": "ok", "wait_ms": "soon"}, "wait_ms", "valid integer"),
        ({"reason": "ok", "expires_at": "2030-01-01T00:00:00"}, "expires_at", "timezone"),
        ({"reason": "ok", "colour": "red"}, "colour", "Extra inputs"),
    ],
)
async def test_bad_enter_bodies_are_422_naming_the_field_and_change_nothing(
    operator, body, field, fragment
):
    r = await operator.post("/v1/targets/platform/maintenance/enter", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == "/problems/invalid-input"
    assert problem["errors"][0]["field"] == field
    assert fragment in problem["detail"]
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False
    assert await history(operator, action="maintenance.entered") == []


async def test_reason_of_exactly_500_characters_after_trimming_is_accepted(operator):
    r = await enter(operator, "platform", "  " + "x" * 500 + "  ")
    assert r.status_code == 200
    assert r.json()["target"]["causes"][0]["reason"] == "x" * 500


async def test_exit_needs_a_reason_too(operator):
    await enter(operator, "platform")
    r = await operator.post("/v1/targets/platform/maintenance/exit", json={"reason": " "})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "reason"
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is True


async def test_malformed_json_is_400_and_changes_nothing(operator):
    r = await operator.post("/v1/targets/platform/maintenance/enter",
                            content=b'{"reason": "x"', headers={"content-type":
                                                                "application/json"})
    assert r.status_code == 400
    assert r.json()["type"] == "/problems/malformed-json"
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False


async def test_unknown_target_is_404_with_how_to_create_it(operator):
    r = await enter(operator, "node:ghost")
    assert r.status_code == 404
    assert "PUT /v1/targets/node:ghost" in r.json()["detail"]


async def test_invalid_target_id_is_422(operator):
    r = await enter(operator, "rack:1")
    assert r.status_code == 422
    assert "platform" in r.json()["detail"]


async def test_expires_at_in_the_past_is_refused(operator, frozen):
    past = (frozen - timedelta(minutes=1)).isoformat()
    r = await enter(operator, "platform", expires_at=past)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "expires_at"
    assert "in the past" in r.json()["detail"]
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False


async def test_expired_switch_turns_off_by_itself_as_system(operator, rt, frozen):
    until = frozen + timedelta(minutes=10)
    r = await enter(operator, "platform", expires_at=until.isoformat())
    assert r.json()["target"]["until"] == "2026-03-01T12:10:00Z"
    clock.advance(timedelta(minutes=10))
    # effective state already counts it as off, before the scheduler records it
    assert (await operator.get("/v1/targets/platform")).json()["in_maintenance"] is False
    result = await jobs.expire_switches(rt, clock.now(), False)
    assert result.done == 1
    rows = await history(operator, action="maintenance.exited")
    assert rows[0]["actor"] == "system"
    assert "expired" in rows[0]["reason"]
    assert (await jobs.expire_switches(rt, clock.now(), True)).done == 0


async def test_viewer_cannot_switch(app, secrets):
    from tests.conftest import client_for

    async with client_for(app, secrets["viewer"]) as viewer:
        r = await enter(viewer, "platform")
    assert r.status_code == 403
    assert "role viewer" in r.json()["detail"]


async def test_a_wait_longer_than_the_server_allows_is_cut_to_its_limit(sqlite_url):
    """PITSTOP_MAX_WAIT_MS bounds every wait for safe: with work in flight, an enter that
    asks for an hour answers at once (here the limit is 0), saying the wait timed out."""
    app = create_app(make_settings(sqlite_url, max_wait_ms=0), run_scheduler=False)
    async with app.router.lifespan_context(app):
        token = (await create_token(rt=app.state.rt, name="ops", role="admin",
                                    actor="test")).secret
        async with client_for(app, token) as admin:
            r = await admin.post("/v1/leases", json={"target": "platform", "kind": "job",
                                                     "holder": "w1"})
            assert r.status_code == 201
            r = await admin.post("/v1/targets/platform/maintenance/enter",
                                 json={"reason": "deploy", "wait_ms": 3_600_000})
            assert r.json()["waited"] == {"safe_to_deploy": False, "timed_out": True}
            drain = await admin.get("/v1/targets/platform/drain?wait_ms=3600000")
            assert drain.json()["in_flight"] == 1
        async with client_for(app, **{"x-admin-code": token}) as deploy:
            r = await deploy.post("/admin/maintenance/enter", json={"reason": "deploy"})
            assert r.json()["status"]["safeToDeploy"] is False
