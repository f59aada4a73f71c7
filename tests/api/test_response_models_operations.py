"""Real answers of /v1/targets, /v1/leases, /v1/services, /v1/nodes, /v1/agent and the deploy
API validate against the response models their routes declare: with switches, windows,
leases and reported runs in play, so the models meet the shapes schemathesis (which mostly
hits 404s with random ids) never reaches. Each model forbids extra fields, so a field the
code emits and the model forgets fails here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel, TypeAdapter

from pitstop import clock
from pitstop.api.models.agent import AgentConfig, HeartbeatReceipt
from pitstop.api.models.deploy import DeployError, DeployResult, DeployStatus
from pitstop.api.models.leases import (
    ForcedRelease,
    InFlightList,
    Lease,
    LeaseRelease,
    RunRelease,
)
from pitstop.api.models.nodes import (
    ConfigUpdate,
    Node,
    NodeList,
    NodeMaintenanceChange,
    NodeToken,
    RegisteredNode,
)
from pitstop.api.models.services import Service, ServiceList, SwitchImpact, WindowImpact
from pitstop.api.models.targets import Gate, MaintenanceChange, Target, TargetDrain, TargetList
from pitstop.api.problems import Problem
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z
MY_PATHS = ("/v1/targets", "/v1/leases", "/v1/services", "/v1/nodes", "/v1/agent",
            "/admin/maintenance")


def valid(model: Any, response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model.model_validate(response.json())
    return TypeAdapter(model).validate_python(response.json())


def problem(response: httpx.Response, status: int) -> Problem:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return Problem.model_validate(response.json())


async def test_targets_leases_and_gate_answer_as_documented(admin):
    valid(TargetList, await admin.get("/v1/targets"))
    valid(Target, await admin.put("/v1/targets/service:api", json={"labels": {"tier": "1"}}),
          201)
    valid(Target, await admin.put("/v1/targets/service:api", json={"labels": {"tier": "2"}}))
    lease = valid(Lease, await admin.post("/v1/leases", json={
        "target": "service:api", "kind": "job", "holder": "w1", "phase": "build",
        "expected_duration_s": 600, "ttl_s": 60}), 201)
    valid(Lease, await admin.post("/v1/leases", json={
        "target": "service:api", "kind": "job", "holder": "w2"}), 201)
    valid(Lease, await admin.get(f"/v1/leases/{lease.id}"))
    valid(Lease, await admin.post(f"/v1/leases/{lease.id}/heartbeat"))
    valid(Lease, await admin.patch(f"/v1/leases/{lease.id}", json={"phase": "test"}))
    assert len(valid(InFlightList, await admin.get("/v1/leases?target=platform")).items) == 2

    entered = valid(MaintenanceChange, await admin.post(
        "/v1/targets/service:api/maintenance/enter",
        json={"reason": "upgrade", "hold": "deploy-1", "public_message": "Upgrading",
              "expires_at": "2026-03-01T13:00:00Z"}))
    assert entered.target.causes[0].kind == "switch"
    valid(MaintenanceChange, await admin.post(  # a second hold joins
        "/v1/targets/platform/maintenance/enter", json={"reason": "all of it", "wait_ms": 0}))
    target = valid(Target, await admin.get("/v1/targets/service:api"))
    assert len(target.causes) == 2 and target.drain.in_flight == 2
    drain = valid(TargetDrain, await admin.get("/v1/targets/platform/drain"))
    assert drain.leases and drain.phases == {"test": 1, "running": 1}
    gate = valid(Gate, await admin.get("/v1/targets/service:api/gate"))
    assert {s.source for s in gate.switches} == {"platform", "service:api"}
    refused = problem(await admin.post("/v1/leases", json={
        "target": "service:api", "kind": "job", "holder": "w3"}), 503)
    assert refused.type == "/problems/maintenance"

    released = valid(ForcedRelease, await admin.post(f"/v1/leases/{lease.id}/release",
                                                     json={"reason": "stuck"}))
    assert isinstance(released, LeaseRelease)
    problem(await admin.post(f"/v1/leases/{lease.id}/heartbeat"), 409)
    problem(await admin.get("/v1/leases/no-such-lease"), 404)
    exited = valid(MaintenanceChange, await admin.post(
        "/v1/targets/service:api/maintenance/exit",
        json={"reason": "done", "hold": "deploy-1"}))
    assert exited.outcome == "exited"
    valid(MaintenanceChange, await admin.post("/v1/targets/platform/maintenance/exit",
                                              json={"reason": "done", "all": True}))
    problem(await admin.get("/v1/targets/service:nope"), 404)
    problem(await admin.get("/v1/targets/bogus"), 422)


async def test_windows_show_in_causes_gate_and_service_impacts(admin):
    await admin.put("/v1/targets/service:api", json={"labels": {"region": "eu"}})
    r = await admin.post("/v1/windows", json={
        "title": "Kernel patching", "start": "2026-03-01T11:30:00", "timezone": "UTC",
        "duration": "PT1H", "affects": [{"selector": {"labels": {"region": "eu"}},
                                         "impact": "DEGRADED"}]})
    assert r.status_code == 201, r.text
    await admin.post("/v1/windows", json={
        "title": "Later", "start": "2026-03-01T15:00:00", "timezone": "UTC",
        "duration": "PT1H", "affects": [{"selector": "service:api"}]})
    target = valid(Target, await admin.get("/v1/targets/service:api"))
    assert [c.kind for c in target.causes] == ["window"]
    gate = valid(Gate, await admin.get("/v1/targets/service:api/gate"))
    assert [w.status for w in gate.windows] == ["ONGOING", "SCHEDULED"]
    await admin.post("/v1/targets/service:api/maintenance/enter", json={"reason": "also"})
    service = valid(Service, await admin.put("/v1/services/api/status",
                                             json={"status": "DOWN", "message": "5xx"}))
    assert [type(i) for i in service.impacts] == [SwitchImpact, WindowImpact]
    assert service.displayed == "DEGRADED" and service.realtime is not None
    valid(Service, await admin.get("/v1/services/api"))
    valid(ServiceList, await admin.get("/v1/services"))
    valid(TargetDrain, await admin.get("/v1/targets/service:api/drain"))
    problem(await admin.get("/v1/services/nope"), 404)


async def test_nodes_and_their_agent_answer_as_documented(app, admin):
    registered = valid(RegisteredNode, await admin.post(
        "/v1/nodes", json={"name": "edge-1", "labels": {"region": "eu"}}), 201)
    valid(Node, await admin.put("/v1/nodes/edge-1/config", json={
        "workloads": ["shipper"], "poll_interval_s": 30, "extra": {"any": [1, "x"]}}))
    updated = valid(ConfigUpdate, await admin.put("/v1/nodes/config", json={
        "selector": {"labels": {"region": "eu"}},
        "config": {"workloads": ["shipper", "cache"]}}))
    assert updated.updated == ["edge-1"]
    problem(await admin.post("/v1/nodes", json={"name": "edge-1"}), 409)
    async with client_for(app, registered.token) as agent:
        receipt = valid(HeartbeatReceipt, await agent.post("/v1/agent/heartbeat", json={
            "version": "2.4.0", "running": [
                {"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"},
                {"workload": "cache", "started_at": "2026-03-01T11:30:00Z"}]}))
        config = await agent.get("/v1/agent/config")
        assert valid(AgentConfig, config).maintenance is None
        same = await agent.get("/v1/agent/config",
                               headers={"If-None-Match": config.headers["ETag"]})
        assert same.status_code == 304 and same.content == b""
        node = valid(Node, await admin.get("/v1/nodes/edge-1"))
        assert node.health == "online" and len(node.running) == 2
        work = valid(InFlightList, await admin.get("/v1/leases?target=node:edge-1"))
        assert all(w.reported for w in work.items)
        run = valid(ForcedRelease, await admin.post(
            "/v1/leases/node:edge-1/shipper/release", json={"reason": "hung"}))
        assert isinstance(run, RunRelease)
        receipt = valid(HeartbeatReceipt, await agent.post("/v1/agent/heartbeat", json={
            "running": [{"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"}]}))
        assert [r.workload for r in receipt.released] == ["shipper"]
        node = valid(Node, await admin.get("/v1/nodes/edge-1"))
        assert node.running[0].released is not None

        toggled = valid(NodeMaintenanceChange, await admin.post(
            "/v1/nodes/edge-1/maintenance/enter", json={"reason": "disk swap"}))
        assert toggled.changed and toggled.node.in_maintenance
        masked = valid(AgentConfig, await agent.get("/v1/agent/config"))
        assert masked.workloads == [] and masked.maintenance is not None
        valid(NodeList, await admin.get("/v1/nodes"))
        valid(NodeMaintenanceChange, await admin.post(
            "/v1/nodes/edge-1/maintenance/exit", json={"reason": "swapped"}))
        clock.advance(10 * 60)  # three poll intervals without contact: offline, work lost
        node = valid(Node, await admin.get("/v1/nodes/edge-1"))
        assert node.health == "offline"
    valid(NodeToken, await admin.post("/v1/nodes/edge-1/token/rotate"))
    assert (await admin.delete("/v1/nodes/edge-1")).status_code == 204
    problem(await admin.get("/v1/nodes/edge-1"), 404)


async def test_the_deploy_api_answers_in_its_own_shapes(app, secrets):
    async with client_for(app, **{"x-admin-code": secrets["admin"]}) as deploy:
        entered = valid(DeployResult, await deploy.post(
            "/admin/maintenance/enter", json={"reason": "release 42", "timeoutMs": 0}))
        assert entered.status.maintenanceMode and entered.status.enteredAt is not None
        valid(DeployStatus, await deploy.get("/admin/maintenance/status"))
        async with client_for(app, secrets["operator"]) as other:
            await other.post("/v1/targets/platform/maintenance/enter", json={"reason": "mine"})
        valid(DeployResult, await deploy.post("/admin/maintenance/exit"))  # leaves its hold
        held = await deploy.post("/admin/maintenance/exit")
        assert valid(DeployError, held, 409).error == "Conflict"
    async with client_for(app, **{"x-admin-code": "wrong"}) as stranger:
        valid(DeployError, await stranger.get("/admin/maintenance/status"), 401)


async def test_every_operation_here_documents_a_model_for_each_answer_with_a_body(anon):
    """Every 2xx with a body has a schema, every error is a problem (or, on the deploy API,
    its own error shape), and 401/403/429 are documented wherever a token is needed."""
    document = (await anon.get("/openapi.json")).json()
    operations = [(path, method, op) for path, item in document["paths"].items()
                  if path.startswith(MY_PATHS) for method, op in item.items()]
    assert len(operations) >= 30
    for path, method, op in operations:
        answers = op["responses"]
        for status, answer in answers.items():
            label = f"{method.upper()} {path} {status}"
            if status in ("204", "304"):
                assert "content" not in answer, label
                continue
            (media, content), = answer["content"].items()
            schema = content["schema"]
            assert all("$ref" in s for s in schema.get("anyOf", [schema])), label
            if int(status) >= 400 and not path.startswith("/admin/"):
                assert media == "application/problem+json", label
        assert {"401", "403", "429"} <= set(answers), f"{method.upper()} {path}"
        assert any(s.startswith("2") for s in answers), f"{method.upper()} {path}"
