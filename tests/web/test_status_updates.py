"""Updates on the public status page, in Chromium: each ongoing or upcoming maintenance shows
its updates as a timeline, newest first, with times in the viewer's zone; a new one appears
without a reload; markdown is rendered and nothing in it runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot


def test_the_status_page_shows_a_timeline_of_updates(pages, api):
    start = datetime.now(UTC) - timedelta(minutes=20)
    r = api.post("/v1/windows", json={
        "title": "Database upgrade", "description": "PostgreSQL 17 to 18.",
        "start": start.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": "service:api", "impact": "DEGRADED"}]})
    assert r.status_code == 201, r.text
    wid, oid = r.json()["id"], r.json()["occurrences"][0]["id"]
    url = f"/v1/windows/{wid}/occurrences/{oid}/updates"
    for body in ("The primary is read-only while replicas catch up.",
                 "Replicas promoted; see the [Runbook](https://example.org/runbook)."):
        assert api.post(url, json={"body": body}).status_code == 201
    later = datetime.now(UTC) + timedelta(days=2)
    r = api.post("/v1/windows", json={
        "title": "Kernel patch", "start": later.strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC", "duration": "PT30M", "affects": [{"selector": "platform"}]})
    upcoming = r.json()
    api.post(f"/v1/windows/{upcoming['id']}/occurrences/{upcoming['occurrences'][0]['id']}"
             "/updates", json={"body": "Rolling, **one node at a time**."})
    page = pages.open("/")
    ongoing = page.get_by_test_id("ongoing")
    updates = ongoing.get_by_test_id("update")
    expect(updates).to_have_count(2)
    expect(updates.first).to_contain_text("Replicas promoted; see the Runbook.")
    expect(updates.nth(1)).to_contain_text("read-only while replicas catch up")
    link = updates.first.get_by_role("link", name="Runbook")
    expect(link).to_have_attribute("href", "https://example.org/runbook")
    expect(updates.first.locator("time")).to_contain_text(re.compile(r"CES?T|GMT\+\d"))
    expect(page.get_by_test_id("upcoming").get_by_test_id("update").locator("strong")
           ).to_have_text("one node at a time")
    # A new update shows without a reload, on top.
    assert api.post(url, json={"body": "Verifying the data.", "status": "verifying"}
                    ).status_code == 201
    expect(updates).to_have_count(3, timeout=3000)
    expect(updates.first).to_contain_text("Verifying the data.")
    expect(updates.first).to_contain_text("Verifying")
    screenshot(page, "status-updates")
    phone = pages.open("/", PHONE)
    expect(phone.get_by_test_id("ongoing").get_by_test_id("update")).to_have_count(3)
    screenshot(phone, "status-updates")


def test_a_switch_maintenance_shows_its_updates_on_its_card(pages, api):
    api.put("/v1/services/api/status", json={"status": "UP"})
    api.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "ops: core switch", "public_message": "Network maintenance"})
    api.post("/v1/targets/platform/maintenance/updates", json={
        "body": "Traffic moved to the standby switch. <script>document.title='pwned'</script>"
                " [bad](javascript:document.title='pwned') [status](https://example.org/s)"})
    api.post("/v1/targets/service:api/maintenance/enter", json={"reason": "disk"})
    api.post("/v1/targets/service:api/maintenance/updates", json={"body": "Disk swapped."})
    page = pages.open("/")
    cards = page.locator("[data-testid=ongoing][data-kind=switch]")
    expect(cards).to_have_count(2)
    update = cards.filter(has_text="Network maintenance").get_by_test_id("update")
    expect(update).to_contain_text("Traffic moved to the standby switch.")
    expect(update).to_contain_text("<script>")  # shown as text, never run
    expect(update.get_by_role("link")).to_have_count(1)  # not the javascript: one
    update.get_by_text("[bad](javascript:").click()
    assert page.title() != "pwned"
    api_card = cards.filter(has=page.locator(".affects", has_text="api"))
    expect(api_card.get_by_test_id("update")).to_contain_text("Disk swapped.")
    api.post("/v1/targets/service:api/maintenance/exit", json={"reason": "done"})
    expect(cards).to_have_count(1, timeout=3000)
    expect(page.get_by_test_id("update").filter(has_text="Disk swapped.")).to_have_count(0)


def test_an_operator_posts_an_update_from_the_console(pages, api):
    start = datetime.now(UTC) - timedelta(minutes=5)
    r = api.post("/v1/windows", json={
        "title": "Router swap", "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC", "duration": "PT1H", "affects": [{"selector": "platform"}]})
    window = r.json()["id"]
    page = pages.login(pages.open("/console/login"))
    page.goto(f"{pages.server.url}/console/windows/{window}")
    page.get_by_test_id("occurrence").get_by_role("button", name="Post update").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Post an update")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_role("alert")).to_contain_text("body")  # empty: said at the dialog
    dialog.get_by_label("Update (markdown").fill("New router is **up**; moving links.")
    dialog.get_by_label("Phase").select_option("verifying")
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()
    public = pages.open("/")
    update = public.get_by_test_id("ongoing").get_by_test_id("update")
    expect(update).to_contain_text("New router is up; moving links.")
    expect(update).to_contain_text("Verifying")
    expect(update.locator("strong")).to_have_text("up")
