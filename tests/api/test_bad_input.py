"""Input no row can hold is refused as input: ids beyond their column, NUL characters in text,
event ids beyond 64 bits, times outside 1970..9000, bodies and node configs over their size
limits. Each is a 413 or 422 problem naming the field, on SQLite and PostgreSQL alike, and
nothing stored changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pitstop.services.runtime import Runtime
from pitstop.settings import SettingsError, load_settings
from pitstop.storage.tables import metadata
from tests.conftest import client_for
from tests.web.test_session import _login as console_login

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

BEYOND_INT32 = 2**31  # PostgreSQL's INTEGER ends at 2**31 - 1
BEYOND_INT64 = 2**64
HOOK = {"name": "hook", "kind": "webhook", "url": "https://hooks.example.com/pitstop",
        "secret": "a-signing-key-of-32-characters!!"}
WINDOW = {"title": "DB upgrade", "start": "2026-03-02T14:00:00", "timezone": "UTC",
          "duration": "PT1H", "affects": [{"selector": "platform"}]}


@pytest.fixture
async def world(app, admin) -> dict[str, Any]:
    """A window with an occurrence, a channel, a node with its agent token: ids to aim at."""
    window = (await admin.post("/v1/windows", json=WINDOW)).json()
    channel = (await admin.post("/v1/channels", json=HOOK)).json()
    node = (await admin.post("/v1/nodes", json={"name": "edge-1"})).json()
    put = await admin.put("/v1/nodes/edge-1/config", json={"workloads": ["shipper"]})
    assert put.status_code == 200, put.text
    return {"window": window["id"], "occurrence": window["occurrences"][0]["id"],
            "channel": channel["id"], "agent_token": node["token"]}


async def stored(rt: Runtime) -> dict[str, list[str]]:
    """Every row of every table, to show that a refused request changed nothing."""
    await rt.settle()  # events derived from the setup are recorded after its commits
    out = {}
    async with rt.db.read() as conn:
        for table in metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            out[table.name] = sorted(repr(tuple(row)) for row in rows)
    return out


def cursor_for(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": last_id}).encode()).decode()


async def send(client: httpx.AsyncClient, world: dict[str, Any], case: tuple) -> httpx.Response:
    method, path, kwargs = case[0], case[1].format(**world), dict(case[2])
    if callable(kwargs.get("json")):
        kwargs["json"] = kwargs["json"](world)
    return await client.request(method, path, **kwargs)


def assert_problem(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status
    assert field in [e["field"] for e in body["errors"]], body


# (method, path, request arguments, expected status, the field the problem names)
OUT_OF_RANGE = [
    ("GET", f"/v1/windows/{77386020780660539392}", {}, 422, "window_id"),
    ("DELETE", f"/v1/windows/{77386020780660539392}", {}, 422, "window_id"),
    ("GET", f"/v1/windows/{BEYOND_INT32}", {}, 422, "window_id"),
    ("DELETE", f"/v1/windows/{BEYOND_INT32}", {}, 422, "window_id"),
    ("GET", f"/v1/windows/{BEYOND_INT32}/occurrences", {}, 422, "window_id"),
    ("PATCH", "/v1/windows/{window}/occurrences/" + str(BEYOND_INT32),
     {"json": {"status": "CANCELLED"}}, 422, "occurrence_id"),
    ("DELETE", "/v1/windows/{window}/occurrences/" + str(BEYOND_INT32), {}, 422,
     "occurrence_id"),
    ("POST", f"/v1/deliveries/{BEYOND_INT64}/retry", {}, 422, "delivery_id"),
    ("GET", "/v1/deliveries", {"params": {"before": BEYOND_INT64}}, 422, "before"),
    ("POST", "/v1/subscriptions",
     {"json": lambda w: {"channel": w["channel"], "window": BEYOND_INT32}}, 422, "window"),
    ("GET", "/v1/history", {"params": {"cursor": cursor_for(BEYOND_INT64)}}, 422, "cursor"),
    ("GET", "/v1/history", {"params": {"target": "window:²"}}, 422, "target"),
    ("GET", "/v1/events", {"params": {"after": BEYOND_INT64}}, 422, "after"),
    ("GET", "/v1/events", {"params": {"after": "²"}}, 422, "after"),
    ("POST", "/v1/windows", {"json": {**WINDOW, "duration": "P100000D"}}, 422, "duration"),
    ("POST", "/v1/windows", {"json": {**WINDOW, "start": "9999-12-31T00:00:00",
                                      "duration": "P2D"}}, 422, "start"),
    ("POST", "/v1/windows", {"json": {**WINDOW, "start": "0001-01-01T00:00:00",
                                      "timezone": "America/New_York"}}, 422, "start"),
    ("POST", "/v1/recurrence/preview", {"json": {"start": "9999-12-31T00:00:00",
                                                 "timezone": "UTC", "duration": "P2D"}},
     422, "start"),
    ("POST", "/v1/recurrence/preview", {"json": {
        "start": "2026-03-02T14:00:00", "timezone": "UTC", "duration": "PT1H",
        "rrule": f"FREQ=DAILY;INTERVAL={2**70}"}}, 422, "rrule"),
    ("POST", "/v1/windows", {"json": {**WINDOW, "timezone": "Pacific/Kiritimati",
                                      "rrule": "FREQ=DAILY;UNTIL=99991231T235959Z"}},
     422, "rrule"),
    ("PATCH", "/v1/windows/{window}/occurrences/{occurrence}",
     {"json": {"start": "9999-12-31T23:00:00-14:00", "end": "9999-12-31T23:30:00-14:00"}},
     422, "start"),
    ("POST", "/v1/targets/platform/maintenance/enter",
     {"json": {"reason": "db", "expires_at": "9999-12-31T23:59:59-14:00"}}, 422, "expires_at"),
    ("GET", "/v1/occurrences", {"params": {"from": "9999-12-31T23:59:59-14:00"}}, 422, "from"),
    ("GET", "/v1/history", {"params": {"since": "0001-01-01T00:00:00+14:00"}}, 422, "since"),
    ("GET", "/", {"params": {"to": "9999-12-31"}}, 422, "to"),
]

NUL = [
    ("POST", "/v1/targets/platform/maintenance/enter", {"json": {"reason": "db\x00"}}, 422,
     "reason"),
    ("PUT", "/v1/targets/service:api", {"json": {"labels": {"team": "a\x00"}}}, 422,
     "labels.team"),
    ("POST", "/v1/leases", {"json": {"target": "platform", "kind": "job", "holder": "w\x00"}},
     422, "holder"),
    ("POST", "/v1/windows", {"json": {**WINDOW, "title": "up\x00grade"}}, 422, "title"),
    ("PATCH", "/v1/windows/{window}", {"json": {"description": "\x00"}}, 422, "description"),
    ("PUT", "/v1/services/api/status", {"json": {"status": "UP", "message": "ok\x00"}}, 422,
     "message"),
    ("PUT", "/v1/nodes/edge-1/config", {"json": {"workloads": ["ship\x00per"]}}, 422,
     "workloads.0"),
    ("POST", "/v1/channels", {"json": {**HOOK, "url": "https://hooks.example.com/\x00"}}, 422,
     "url"),
    ("GET", "/v1/subscriptions", {"params": {"channel": "a\x00"}}, 422, "channel"),
    ("GET", "/v1/history", {"params": {"actor": "a\x00"}}, 422, "actor"),
    ("DELETE", "/v1/tokens/tok%00", {}, 422, "token_id"),
    ("DELETE", "/v1/channels/ch%00", {}, 422, "channel_id"),
    ("POST", "/v1/channels/ch%00/test", {}, 422, "channel_id"),
]


@pytest.mark.parametrize("case", OUT_OF_RANGE + NUL, ids=lambda c: f"{c[0]} {c[1]} {c[4]}")
async def test_input_no_row_can_hold_is_a_problem_naming_the_field(rt, admin, world, case):
    before = await stored(rt)
    r = await send(admin, world, case)
    assert_problem(r, case[3], case[4])
    assert await stored(rt) == before


async def test_an_agent_heartbeat_with_a_nul_is_refused(app, rt, world):
    before = await stored(rt)
    async with client_for(app, world["agent_token"]) as agent:
        r = await agent.post("/v1/agent/heartbeat", json={"running": [
            {"workload": "ship\x00per", "started_at": "2026-03-01T11:00:00Z"}]})
    assert_problem(r, 422, "running.0.workload")
    assert await stored(rt) == before


async def test_the_deploy_api_refuses_a_nul_in_the_reason(app, rt, secrets):
    before = await stored(rt)
    async with client_for(app, **{"x-admin-code": secrets["admin"]}) as ci:
        r = await ci.post("/admin/maintenance/enter", json={"reason": "deploy\x00"})
    assert_problem(r, 422, "reason")
    assert await stored(rt) == before


async def test_a_console_form_with_a_nul_is_refused(anon):
    r = await anon.post("/console/login", data={"token": "pst_\x00", "csrf": "x"})
    assert_problem(r, 422, "token")


@pytest.mark.parametrize("page", ["/console", "/console/fleet/edge-1"])
@pytest.mark.parametrize("cursor", ["before", "after"])
async def test_console_pages_refuse_an_audit_id_beyond_64_bits(app, secrets, world, page,
                                                               cursor):
    client, _, _ = await console_login(app, secrets["admin"])
    r = await client.get(page, params={cursor: BEYOND_INT64})
    await client.aclose()
    assert_problem(r, 422, cursor)


async def test_a_node_config_over_its_limit_is_413_and_not_stored(app, rt, admin, world):
    before = await stored(rt)
    big = {"workloads": [], "blob": "x" * 300_000}  # over the 256 KiB default
    r = await admin.put("/v1/nodes/edge-1/config", json=big)
    assert_problem(r, 413, "config")
    assert r.json()["limit"] == 262_144
    r = await admin.put("/v1/nodes/config", json={"selector": {"labels": {}}, "config": big})
    assert r.status_code in (404, 413, 422), r.text
    assert await stored(rt) == before
    async with client_for(app, world["agent_token"]) as agent:
        assert (await agent.get("/v1/agent/config")).json() == {"workloads": ["shipper"]}


async def test_a_body_over_the_limit_is_413_before_it_is_read(rt, admin):
    before = await stored(rt)
    r = await admin.post("/v1/windows", json={**WINDOW, "description": "x" * 2_000_000})
    assert_problem(r, 413, "body")
    assert await stored(rt) == before


async def test_an_integer_beyond_64_bits_in_a_node_config_is_422(rt, admin, world):
    r = await admin.put("/v1/nodes/edge-1/config", json={"workloads": [], "n": 2**70})
    assert_problem(r, 422, "config")


def test_size_limits_are_settings_checked_at_start():
    with pytest.raises(SettingsError, match="PITSTOP_MAX_NODE_CONFIG_BYTES"):
        load_settings(max_body_bytes=65_536, max_node_config_bytes=262_144)
    with pytest.raises(SettingsError, match="PITSTOP_MAX_BODY_BYTES"):
        load_settings(max_body_bytes=10)


async def test_the_openapi_document_shows_the_id_bounds(anon):
    paths = (await anon.get("/openapi.json")).json()["paths"]
    params = {p["name"]: p["schema"] for p in
              paths["/v1/windows/{window_id}/occurrences/{occurrence_id}"]["patch"]["parameters"]}
    assert params["window_id"]["maximum"] == 2**31 - 1
    assert params["occurrence_id"]["maximum"] == 2**31 - 1
    retry = paths["/v1/deliveries/{delivery_id}/retry"]["post"]["parameters"][0]
    assert retry["schema"]["maximum"] == 2**63 - 1
