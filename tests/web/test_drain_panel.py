"""The console's drain panel names what holds up the drain, and follows a force-release."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot


def test_the_drain_panel_lists_work_in_flight_and_drops_a_released_lease(pages, api, server):
    api.put("/v1/targets/service:api", json={"labels": {}})
    lease = api.post("/v1/leases", json={"target": "service:api", "kind": "build",
                                          "holder": "runner-7", "phase": "compile"}).json()
    token = api.post("/v1/nodes", json={"name": "edge-1"}).json()["token"]
    api.put("/v1/nodes/edge-1/config", json={"workloads": [], "poll_interval_s": 600})
    with httpx.Client(base_url=server.url,
                      headers={"Authorization": f"Bearer {token}"}) as agent:
        agent.post("/v1/agent/heartbeat", json={"running": [
            {"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"}]})
    api.post("/v1/targets/platform/maintenance/enter", json={"reason": "deploy"})
    page = pages.login(pages.open("/console/login"))
    rows = page.get_by_test_id("in-flight-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="runner-7")).to_contain_text("build (compile)")
    expect(rows.filter(has_text="node edge-1")).to_contain_text("node:edge-1/shipper")
    expect(page.get_by_test_id("drain")).to_contain_text("pitstop leases list --target platform")
    page.get_by_test_id("drain").scroll_into_view_if_needed()
    screenshot(page, "console-drain")
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.get_by_test_id("drain").scroll_into_view_if_needed()
    screenshot(phone, "console-drain")
    r = api.post(f"/v1/leases/{lease['id']}/release", json={"reason": "runner died"})
    assert r.status_code == 200
    expect(rows).to_have_count(1)  # live, without a reload
    expect(page.get_by_test_id("in-flight")).to_have_text("1")
