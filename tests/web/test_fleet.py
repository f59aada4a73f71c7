"""The fleet pages in Chromium: a node toggled from the console shows its badge, its
banner and a dimmed column in the deployment matrix; its page shows the config its agent
gets."""

from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot

CONFIG = {"workloads": [{"name": "shipper", "image": "vector:0.40"}, {"name": "metrics"}],
          "poll_interval_s": 30}


def _fleet(api) -> None:  # type: ignore[no-untyped-def]
    for name, region in (("edge-1", "eu"), ("edge-2", "us")):
        r = api.post("/v1/nodes", json={"name": name, "labels": {"region": region}})
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        assert api.put(f"/v1/nodes/{name}/config", json=CONFIG).status_code == 200
        started = datetime.now(UTC).isoformat()
        r = api.post("/v1/agent/heartbeat", headers={"Authorization": f"Bearer {token}"},
                     json={"version": "1.4.2", "running": [
                         {"workload": "shipper", "started_at": started},
                         {"workload": "metrics", "started_at": started}]})
        assert r.status_code in (200, 204), r.text


def test_toggling_a_node_shows_badge_banner_and_dimmed_matrix_column(pages, api):
    _fleet(api)
    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Fleet").click()
    row = page.get_by_test_id("node-edge-1")
    expect(row).to_contain_text("Online")
    expect(row.get_by_test_id("maintenance-badge")).to_have_count(0)
    row.get_by_role("button", name="Enter maintenance").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Enter maintenance on edge-1")
    expect(dialog).to_contain_text("edge-1 runs 2 workloads")
    dialog.get_by_label("Reason", exact=True).fill("Swap the disk")
    dialog.get_by_role("button", name="Enter maintenance").click()
    expect(row.get_by_test_id("maintenance-badge")).to_have_text("Maintenance")
    expect(row).to_contain_text("Online")  # its real health stays visible beside the badge
    column = page.get_by_test_id("matrix-edge-1")
    expect(column).to_have_class("dimmed")
    expect(column).to_contain_text("Maintenance")
    expect(page.get_by_test_id("matrix-edge-2")).not_to_have_class("dimmed")
    screenshot(page, "console-fleet")
    page.get_by_role("link", name="edge-1").click()
    expect(page.get_by_test_id("node-banner")).to_contain_text("edge-1 is in maintenance")
    expect(page.get_by_test_id("node-banner")).to_contain_text("Swap the disk")
    config = page.get_by_test_id("agent-config")
    expect(config).to_contain_text('"workloads": []')
    expect(config).to_contain_text('"poll_interval_s": 30')
    expect(page.get_by_role("table").last).to_contain_text("node.maintenance_entered")
    screenshot(page, "console-node")
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.goto(pages.server.url + "/console/fleet")
    expect(phone.get_by_test_id("node-edge-1")).to_contain_text("Maintenance")
    screenshot(phone, "console-fleet")
    phone.goto(pages.server.url + "/console/fleet/edge-1")
    screenshot(phone, "console-node")
