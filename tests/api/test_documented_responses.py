"""What the Direct routes (api/direct.py) serve is what /openapi.json documents for them.

These handlers read their own input, so FastAPI neither validates their parameters nor
shapes their output: each answer they can give — success, 304, the refusals, the 4xx — is
checked here with schemathesis' response validator (status documented, media type, body
schema, headers), and their input errors against what the document promises.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import schemathesis
from schemathesis.core.failures import Failure

from pitstop import clock
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z


@pytest.fixture
def documented(app):
    """Check one response against the operation the document has for it: its status is
    one the operation lists, its media type the one listed for that status (no body when
    none is), and schemathesis finds its body conforms to that status's schema."""
    doc = app.openapi()
    schema = schemathesis.openapi.from_dict(doc)

    def check(path: str, method: str, response: httpx.Response) -> httpx.Response:
        answers = doc["paths"][path][method.lower()]["responses"]
        status = str(response.status_code)
        assert status in answers, f"{method} {path} answered {status}, not documented"
        media = response.headers.get("content-type", "").split(";")[0]
        assert media == next(iter(answers[status].get("content", {"": None}))), (
            f"{method} {path} {status}: {media!r} is not the documented media type")
        schema[path][method].validate_response(response)
        return response

    return check


def _window(start: str, target: str) -> dict:
    return {"title": "Patch", "start": start, "timezone": "UTC", "duration": "PT1H",
            "affects": [{"selector": target}]}


async def test_target_and_health_answers_are_documented(app, admin, anon, documented):
    await admin.put("/v1/targets/node:a", json={"labels": {"region": "eu"}})
    path = "/v1/targets/{target}"
    for target in ("platform", "node:a", "service:unknown-but-well-formed"):
        documented(path, "GET", await admin.get(f"/v1/targets/{target}"))
    body = (await admin.get("/v1/targets/node:a")).json()
    assert body["id"] == "node:a" and body["labels"] == {"region": "eu"}
    documented(path, "GET", await anon.get("/v1/targets/node:a"))  # 401
    documented(path, "GET", await admin.get("/v1/targets/bogus"))  # 4xx naming the id
    await admin.post("/v1/targets/platform/maintenance/enter",
                     json={"reason": "db upgrade", "public_message": "Upgrading"})
    documented(path, "GET", await admin.get("/v1/targets/node:a"))  # in maintenance
    health = documented("/health", "GET", await anon.get("/health"))
    assert health.json()["maintenanceMode"] is True
    assert health.json()["maintenanceReason"] == "Upgrading"


async def test_lease_answers_are_documented(app, admin, anon, secrets, documented):
    await admin.put("/v1/targets/node:a", json={"labels": {}})
    await admin.put("/v1/targets/node:b", json={"labels": {}})
    lease = {"target": "node:a", "kind": "build", "holder": "runner-1"}
    granted = documented("/v1/leases", "POST", await admin.post("/v1/leases", json=lease))
    assert granted.status_code == 201
    assert granted.headers["location"] == f"/v1/leases/{granted.json()['id']}"
    documented("/v1/leases", "POST", await anon.post("/v1/leases", json=lease))  # 401
    async with client_for(app, secrets["viewer"]) as viewer:  # 403: viewers read only
        documented("/v1/leases", "POST", await viewer.post("/v1/leases", json=lease))
    bad = documented("/v1/leases", "POST", await admin.post(
        "/v1/leases", json={**lease, "ttl_s": 0, "surprise": 1}))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"ttl_s", "surprise"}
    documented("/v1/leases", "POST", await admin.post(
        "/v1/leases", content=b"{", headers={"content-type": "application/json"}))  # 400
    documented("/v1/leases", "POST", await admin.post(
        "/v1/leases", json={**lease, "target": "node:nope"}))  # 404
    await admin.post("/v1/targets/node:a/maintenance/enter",
                     json={"reason": "swap disk",
                           "expires_at": (clock.now() + timedelta(minutes=5)).isoformat()})
    refused = documented("/v1/leases", "POST", await admin.post("/v1/leases", json=lease))
    assert refused.status_code == 503 and refused.headers["retry-after"] == "300"
    assert (await admin.post("/v1/windows", json=_window("2026-03-01T12:30:00", "node:b"))
            ).status_code == 201
    soon = documented("/v1/leases", "POST", await admin.post(
        "/v1/leases", json={**lease, "target": "node:b", "expected_duration_s": 3600}))
    assert soon.status_code == 503 and soon.json()["type"].endswith("/maintenance-soon")

    path = "/v1/leases/{lease_id}"
    lease_id = granted.json()["id"]
    documented(path, "DELETE", await anon.delete(f"/v1/leases/{lease_id}"))  # 401
    released = documented(path, "DELETE", await admin.delete(f"/v1/leases/{lease_id}"))
    assert released.status_code == 204 and released.content == b""
    documented(path, "DELETE", await admin.delete("/v1/leases/no-such-lease"))  # 404


async def test_agent_answers_are_documented(app, admin, documented):
    registered = (await admin.post("/v1/nodes", json={"name": "edge-1"})).json()
    config = {"workloads": [{"name": "shipper"}], "poll_interval_s": 10}
    assert (await admin.put("/v1/nodes/edge-1/config", json=config)).status_code == 200
    path = "/v1/agent/config"
    async with client_for(app, registered["token"]) as agent:
        first = documented(path, "GET", await agent.get(path))
        assert first.json() == config
        unchanged = documented(path, "GET", await agent.get(
            path, headers={"If-None-Match": first.headers["etag"]}))
        assert unchanged.status_code == 304 and unchanged.content == b""
        too_long = documented(path, "GET", await agent.get(path, params={"wait_s": "61"}))
        assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "wait_s"
        documented(path, "GET", await agent.get(path, params={"wait_s": "soon"}))  # 422
        beat = {"version": "2.4.0",
                "running": [{"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"}]}
        documented("/v1/agent/heartbeat", "POST", await agent.post("/v1/agent/heartbeat",
                                                                   json=beat))
        documented("/v1/agent/heartbeat", "POST", await agent.post(
            "/v1/agent/heartbeat", json={"running": "everything"}))  # 422
    documented(path, "GET", await admin.get(path))  # an admin token is no agent's: 403


def _answer(status: int, body: object) -> httpx.Response:
    answer = httpx.Response(status, json=body, request=httpx.Request(
        "GET", "http://test/v1/targets/platform"))
    answer.elapsed = timedelta(0)  # as a client that sent it sets it
    return answer


def test_the_check_refuses_an_undocumented_status_or_body(documented):
    with pytest.raises(AssertionError, match="answered 418, not documented"):
        documented("/v1/targets/{target}", "GET", _answer(418, {}))
    with pytest.raises(Failure, match="is a required property"):
        documented("/v1/targets/{target}", "GET", _answer(200, {"id": "platform"}))
