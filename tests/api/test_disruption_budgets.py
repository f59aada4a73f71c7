"""Disruption budgets: a manual node enter that would put more nodes of a selector in
maintenance than its budget allows is refused with 403 disruption-budget (naming the
budget and the nodes it counts); an admin may force it, and the audit says so."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("frozen")


async def _nodes(admin: httpx.AsyncClient, **roles: str) -> None:
    for name, role in roles.items():
        r = await admin.post("/v1/nodes", json={"name": name, "labels": {"role": role}})
        assert r.status_code == 201, r.text


async def test_budgets_are_set_listed_replaced_and_removed(admin, operator):
    r = await admin.put("/v1/disruption-budgets",
                        json={"selector": {"role": "db"}, "max_unavailable": 1})
    assert r.status_code == 201 and r.json()["key"] == "role=db"
    again = await admin.put("/v1/disruption-budgets",
                            json={"selector": {"role": "db"}, "max_unavailable": 2})
    assert again.status_code == 200 and again.json()["max_unavailable"] == 2
    listed = (await operator.get("/v1/disruption-budgets")).json()["items"]
    assert [(b["key"], b["max_unavailable"]) for b in listed] == [("role=db", 2)]
    assert (await operator.put("/v1/disruption-budgets", json={
        "selector": {"role": "db"}, "max_unavailable": 0})).status_code == 403
    assert (await admin.delete("/v1/disruption-budgets/role=db")).status_code == 204
    gone = await admin.delete("/v1/disruption-budgets/role=db")
    assert gone.status_code == 404 and "no disruption budget" in gone.json()["detail"]
    empty = await admin.put("/v1/disruption-budgets", json={"selector": {},
                                                            "max_unavailable": 1})
    assert empty.status_code == 422


async def test_an_enter_beyond_the_budget_is_refused_naming_it(admin):
    await _nodes(admin, **{"db-1": "db", "db-2": "db", "web-1": "web"})
    await admin.put("/v1/disruption-budgets",
                    json={"selector": {"role": "db"}, "max_unavailable": 1})
    assert (await admin.post("/v1/nodes/db-1/maintenance/enter",
                             json={"reason": "kernel"})).status_code == 200
    for path in ("/v1/nodes/db-2/maintenance/enter",
                 "/v1/targets/node:db-2/maintenance/enter"):
        r = await admin.post(path, json={"reason": "kernel"})
        assert r.status_code == 403, r.text
        body = r.json()
        assert r.headers["content-type"] == "application/problem+json"
        assert body["type"] == "/problems/disruption-budget"
        assert body["budget"] == {"key": "role=db", "selector": {"role": "db"},
                                  "max_unavailable": 1}
        assert body["in_maintenance"] == ["node:db-1"] and body["node"] == "node:db-2"
        assert "role=db" in body["detail"] and "node:db-1" in body["detail"]
    # Other nodes, and a second hold on a node already down, are not counted against it.
    assert (await admin.post("/v1/nodes/web-1/maintenance/enter",
                             json={"reason": "kernel"})).status_code == 200
    assert (await admin.post("/v1/targets/node:db-1/maintenance/enter",
                             json={"reason": "also", "hold": "deploy-1"})).status_code == 200
    assert (await admin.get("/v1/nodes/db-2")).json()["in_maintenance"] is False
    # Under platform maintenance every node is down already: entering one changes nothing.
    await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "all"})
    assert (await admin.post("/v1/nodes/db-2/maintenance/enter",
                             json={"reason": "kernel"})).status_code == 200


async def test_an_admin_may_force_it_and_the_audit_says_the_budget_was_overridden(
        admin, operator):
    await _nodes(admin, **{"db-1": "db", "db-2": "db"})
    await admin.put("/v1/disruption-budgets",
                    json={"selector": {"role": "db"}, "max_unavailable": 1})
    await admin.post("/v1/nodes/db-1/maintenance/enter", json={"reason": "kernel"})
    r = await admin.post("/v1/nodes/db-2/maintenance/enter",
                         json={"reason": "disk is dying", "force": True})
    assert r.status_code == 200 and r.json()["node"]["in_maintenance"] is True
    rows = (await admin.get("/v1/history", params={"target": "node:db-2"})).json()["items"]
    entered = next(row for row in rows if row["action"] == "node.maintenance_entered")
    assert entered["reason"] == "disk is dying"
    assert entered["details"]["budget_overridden"] == {
        "budget": {"key": "role=db", "selector": {"role": "db"}, "max_unavailable": 1},
        "node": "node:db-2", "in_maintenance": ["node:db-1"]}
    refused = await operator.post("/v1/targets/service:x/maintenance/enter",
                                  json={"reason": "x", "force": True})
    assert refused.status_code == 403 and "overriding" in refused.json()["detail"]


async def test_a_node_a_started_window_takes_down_counts_against_the_budget(admin, frozen):
    """The budget counts nodes in maintenance for any cause, not only their own switch."""
    await _nodes(admin, **{"db-1": "db", "db-2": "db"})
    await admin.put("/v1/disruption-budgets",
                    json={"selector": {"role": "db"}, "max_unavailable": 1})
    start = (frozen - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    r = await admin.post("/v1/windows", json={
        "title": "db-1 disk", "start": start, "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": "node:db-1"}]})
    assert r.status_code == 201, r.text
    assert (await admin.get("/v1/nodes/db-1")).json()["in_maintenance"] is True
    r = await admin.post("/v1/nodes/db-2/maintenance/enter", json={"reason": "kernel"})
    assert r.status_code == 403, r.text
    assert r.json()["in_maintenance"] == ["node:db-1"]
