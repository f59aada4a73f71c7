"""The fleet page in Chromium follows a roll live: its progress, each node's step, and a
failure that stops it, without a reload (the console's change stream refreshes it)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot

DRIVER = "drv-browser"


def _step(api, node: str, *statuses: str, message: str | None = None) -> None:  # type: ignore[no-untyped-def]
    for status in statuses:
        r = api.post(f"/v1/rolls/1/steps/{node}", json={"driver": DRIVER, "status": status,
                                                         "message": message})
        assert r.status_code == 200, r.text


def _claim(api) -> str:  # type: ignore[no-untyped-def]
    r = api.post("/v1/rolls/1/claim", json={"driver": DRIVER})
    assert r.status_code == 200 and r.json()["next"] == "start", r.text
    return str(r.json()["node"])


def test_the_fleet_page_shows_a_rolls_progress_live(pages, api):
    for name in ("web-1", "web-2", "web-3"):
        assert api.post("/v1/nodes", json={"name": name, "labels": {"rack": "b"}}
                        ).status_code == 201
    r = api.post("/v1/rolls", json={"selector": {"rack": "b"}, "max_unavailable": 1,
                                    "reason": "kernel 6.12", "command": ["./upgrade.sh"],
                                    "driver": DRIVER})
    assert r.status_code == 201, r.text
    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Fleet").click()
    roll = page.get_by_test_id("roll-1")
    expect(roll.get_by_test_id("roll-status")).to_have_text("Running")
    expect(roll.get_by_test_id("roll-progress")).to_have_text("0 of 3 nodes done")
    expect(roll.get_by_test_id("roll-step-web-1")).to_have_text("web-1: Pending")

    assert _claim(api) == "web-1"
    api.post("/v1/nodes/web-1/maintenance/enter", json={"reason": "kernel 6.12",
                                                        "hold": "roll-1"})
    _step(api, "web-1", "draining", "running")
    expect(roll.get_by_test_id("roll-step-web-1")).to_have_text("web-1: Running")
    expect(roll.get_by_test_id("roll-progress")).to_contain_text("in maintenance: web-1")
    expect(page.get_by_test_id("node-web-1").get_by_test_id("maintenance-badge")
           ).to_have_count(1)
    screenshot(page, "console-fleet-roll")
    api.post("/v1/nodes/web-1/maintenance/exit", json={"reason": "done", "hold": "roll-1"})
    _step(api, "web-1", "checking", "done")
    expect(roll.get_by_test_id("roll-progress")).to_have_text("1 of 3 nodes done")
    expect(roll.get_by_test_id("roll-step-web-1")).to_have_text("web-1: Done")
    expect(roll.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "1")

    assert _claim(api) == "web-2"  # as the driver does: entered, drained, run, checked
    api.post("/v1/nodes/web-2/maintenance/enter", json={"reason": "kernel 6.12",
                                                        "hold": "roll-1"})
    _step(api, "web-2", "draining", "running", "checking")
    _step(api, "web-2", "failed", message="health check failed: HTTP 503")
    expect(roll.get_by_test_id("roll-status")).to_have_text("Failed")
    expect(roll.get_by_test_id("roll-step-web-2")).to_have_text(
        "web-2: Failed — health check failed: HTTP 503")
    expect(roll.get_by_test_id("roll-stopped")).to_contain_text("pitstop roll resume 1")
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.goto(pages.server.url + "/console/fleet")
    expect(phone.get_by_test_id("roll-1")).to_contain_text("Failed")
    # A failed check keeps its node in maintenance under the roll's hold, for a person to see.
    expect(phone.get_by_test_id("node-web-2").get_by_test_id("maintenance-badge")
           ).to_have_count(1)
    screenshot(phone, "console-fleet-roll")


def test_a_budget_refusal_in_the_console_offers_an_admin_the_override(pages, api):
    for name in ("db-1", "db-2"):
        assert api.post("/v1/nodes", json={"name": name, "labels": {"role": "db"}}
                        ).status_code == 201
    api.put("/v1/disruption-budgets", json={"selector": {"role": "db"}, "max_unavailable": 1})
    api.post("/v1/nodes/db-1/maintenance/enter", json={"reason": "kernel"})
    page = pages.login(pages.open("/console/login"))
    page.goto(pages.server.url + "/console/fleet")
    row = page.get_by_test_id("node-db-2")
    row.get_by_role("button", name="Enter maintenance").click()
    dialog = page.get_by_role("dialog")
    override = dialog.get_by_label("Enter anyway, over the disruption budget")
    expect(override).to_be_hidden()
    dialog.get_by_label("Reason", exact=True).fill("Disk is dying")
    dialog.get_by_role("button", name="Enter maintenance").click()
    expect(dialog.get_by_role("alert")).to_contain_text("disruption budget role=db allows 1")
    expect(dialog.get_by_role("alert")).to_contain_text("node:db-1")
    override.check()
    screenshot(page, "console-budget-override")
    dialog.get_by_role("button", name="Enter maintenance").click()
    expect(row.get_by_test_id("maintenance-badge")).to_have_text("Maintenance")
    rows = api.get("/v1/history", params={"target": "node:db-2"}).json()["items"]
    assert rows[0]["details"]["budget_overridden"]["budget"]["key"] == "role=db"
