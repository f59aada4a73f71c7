"""The public status page and the console's maintenance page, in Chromium, as people use
them: sign in, switch maintenance with a reason, watch it appear live elsewhere, page through
history, follow an ongoing window, sign out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.web.conftest import PHONE, WIDE, screenshot


def test_the_status_page_updates_live_and_shows_times_in_the_viewers_zone(pages, api):
    api.put("/v1/services/api/status", json={"status": "UP"})
    page = pages.open("/")
    expect(page.get_by_test_id("banner")).to_contain_text("All systems operational")
    expect(page.get_by_test_id("service-api")).to_contain_text("Up")
    expect(page.locator("[data-tz]")).to_have_text("Europe/Berlin")
    screenshot(page, "status-operational")
    screenshot(pages.open("/", PHONE), "status-operational")
    api.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "alice: manual db migration, do not exit",
        "public_message": "Database upgrade"})
    banner = page.get_by_test_id("banner")
    expect(banner).to_contain_text("Maintenance in progress", timeout=2000)  # no reload
    expect(banner).to_contain_text("Database upgrade")  # the public message, not the reason
    expect(page.locator("body")).not_to_contain_text("manual db migration")
    expect(banner.locator("time")).to_contain_text(re.compile(r"CES?T|GMT\+\d"))
    expect(page.get_by_test_id("service-api")).to_contain_text("Maintenance")
    expect(page.get_by_test_id("service-api")).to_contain_text("realtime: Up")
    screenshot(page, "status-maintenance")
    phone = pages.open("/", PHONE)
    expect(phone.get_by_test_id("banner")).to_contain_text("Maintenance in progress")
    screenshot(phone, "status-maintenance")


def test_an_ongoing_window_shows_its_progress_on_the_public_page(pages, api):
    start = datetime.now(UTC) - timedelta(minutes=15)
    r = api.post("/v1/windows", json={
        "title": "Storage migration", "description": "Moving volumes to the new array.",
        "start": start.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": "service:api", "impact": "DEGRADED"}]})
    assert r.status_code == 201, r.text
    later = datetime.now(UTC) + timedelta(days=2)
    api.post("/v1/windows", json={
        "title": "Kernel patch", "start": later.strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC", "duration": "PT30M", "affects": [{"selector": "platform"}]})
    page = pages.open("/")
    ongoing = page.get_by_test_id("ongoing")
    expect(ongoing).to_contain_text("Storage migration")
    expect(ongoing).to_contain_text(re.compile(r"4\d min \d+ s left"))
    progress = int(ongoing.get_by_role("progressbar").get_attribute("aria-valuenow"))
    assert 20 <= progress <= 30
    expect(page.get_by_test_id("upcoming")).to_contain_text(re.compile(r"Starts in 1 d 23 h|2 d"))
    screenshot(page, "status-window")
    screenshot(pages.open("/", PHONE), "status-window")


def test_switch_maintenance_is_past_maintenance_and_the_feeds_are_linked(pages, api):
    api.put("/v1/services/api/status", json={"status": "UP"})
    api.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "alice: rotate the root password", "public_message": "Network upgrade"})
    api.post("/v1/targets/platform/maintenance/exit", json={"reason": "bob said so"})
    api.post("/v1/targets/service:api/maintenance/enter", json={"reason": "carol: reindex"})
    api.post("/v1/targets/service:api/maintenance/exit", json={"reason": "done"})
    page = pages.open("/")
    rows = page.get_by_test_id("past")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Maintenance")  # no public message: the neutral words
    expect(rows.first).not_to_contain_text("in progress")  # it is over
    expect(rows.first).to_contain_text("api")
    expect(rows.nth(1)).to_contain_text("Network upgrade")
    expect(rows.nth(1)).to_contain_text("platform")
    expect(rows.nth(1)).to_contain_text("Completed")
    expect(rows.nth(1).locator("time").first).to_contain_text(re.compile(r"CES?T|GMT\+\d"))
    for secret in ("alice", "bob said so", "carol"):
        expect(page.locator("body")).not_to_contain_text(secret)
    feeds = page.locator('head link[rel="alternate"]')
    assert [feeds.nth(i).get_attribute("href") for i in range(feeds.count())] == [
        "/feeds/maintenance.rss", "/feeds/maintenance.atom", "/v1/calendar.ics"]
    expect(page.get_by_role("link", name="RSS feed")).to_be_visible()
    expect(page.get_by_role("link", name="Maintenance feed of api (RSS)")).to_be_visible()
    screenshot(page, "status-past")
    screenshot(pages.open("/", PHONE), "status-past")


def test_a_daily_window_is_one_upcoming_card_listing_its_later_days(pages, api):
    # In the viewer's zone, so its local time is the same every day, DST or not.
    berlin = datetime.now(ZoneInfo("Europe/Berlin"))
    start = (berlin + timedelta(days=1)).strftime("%Y-%m-%dT10:00:30")
    r = api.post("/v1/windows", json={
        "title": "Cache flush", "start": start, "timezone": "Europe/Berlin", "duration": 45,
        "rrule": "FREQ=DAILY", "affects": [{"selector": "service:api"}]})
    assert r.status_code == 201, r.text
    page = pages.open("/")
    cards = page.get_by_test_id("upcoming")
    expect(cards).to_have_count(1)  # not one card per day
    expect(cards).to_contain_text("Cache flush")
    # Seconds are shown when a time has any.
    expect(cards.locator("p.meta").first).to_contain_text(re.compile(r"10:00:30.*10:01:15"))
    later = cards.get_by_test_id("upcoming-later")
    expect(later).to_contain_text("Then also")
    assert later.locator("time").count() >= 5  # the rest of the week, on one line
    day_after = (berlin + timedelta(days=2)).day
    # Its day alone ("Thu 3 Dec"): it starts at the same local time as the card above.
    expect(later.locator("time").first).to_have_text(re.compile(rf"^[^:]*\b{day_after}\b[^:]*$"))


def test_sign_in_refuses_a_wrong_token_then_signs_in_and_out(pages):
    page = pages.open("/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    screenshot(page, "console-login")
    screenshot(pages.open("/console/login", PHONE), "console-login")
    page.fill("#token", "pst_wrong-token-0123456789")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("invalid or revoked token")
    pages.login(page)
    expect(page.get_by_test_id("console-banner")).to_contain_text("Operational")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto(pages.server.url + "/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))


def test_enabling_maintenance_needs_a_reason_and_shows_in_another_console(pages):
    page = pages.login(pages.open("/console/login"))
    other = pages.login(pages.open("/console/login"))
    page.get_by_role("button", name="Enter maintenance").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Reason", exact=True)).to_be_focused()
    dialog.get_by_role("button", name="Enter maintenance").click()
    expect(dialog.get_by_role("alert")).to_have_text("A reason is required.")
    dialog.get_by_label("Reason", exact=True).fill("x" * 501)
    expect(dialog.locator(".counter")).to_have_text("501 / 500")
    dialog.get_by_role("button", name="Enter maintenance").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "The reason is 501 characters; the limit is 500.")
    screenshot(page, "console-dialog")
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.get_by_role("button", name="Enter maintenance").click()
    phone.get_by_role("dialog").get_by_label("Reason", exact=True).fill("Swap the load balancer")
    screenshot(phone, "console-dialog")
    phone.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    dialog.get_by_label("Reason", exact=True).fill("Database upgrade to 18")
    expect(dialog.locator(".counter")).to_have_text("22 / 500")
    dialog.get_by_role("button", name="Enter maintenance").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("console-banner")).to_contain_text("Database upgrade to 18")
    # The other open console shows it within a second, without a reload.
    expect(other.get_by_test_id("console-banner")).to_contain_text("Maintenance", timeout=1000)
    row = other.get_by_test_id("history-row").first
    expect(row).to_contain_text("Enabled")
    expect(row).to_contain_text("Database upgrade to 18")
    screenshot(page, "console-maintenance")
    screenshot(pages.login(pages.open("/console/login", PHONE)), "console-maintenance")
    page.get_by_role("button", name="Exit maintenance").click()
    page.get_by_role("dialog").get_by_label("Reason", exact=True).fill("Upgrade done")
    page.get_by_role("dialog").get_by_role("button", name="Exit maintenance").click()
    expect(other.get_by_test_id("history-row").first).to_contain_text("Disabled", timeout=1000)
    expect(other.get_by_test_id("console-banner")).to_contain_text("Operational")


def test_the_dialog_closes_with_escape_and_gives_focus_back(pages):
    page = pages.login(pages.open("/console/login"))
    opener = page.get_by_role("button", name="Enter maintenance")
    opener.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(opener).to_be_focused()


def test_history_pages_through_sixty_rows(pages, api):
    for i in range(30):
        api.post("/v1/targets/platform/maintenance/enter", json={"reason": f"r{i}"})
        api.post("/v1/targets/platform/maintenance/exit", json={"reason": f"done {i}"})
    page = pages.login(pages.open("/console/login"))
    rows = page.get_by_test_id("history-row")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("done 29")
    expect(page.get_by_role("link", name="Previous")).to_have_count(0)
    page.get_by_role("link", name="Next").click()
    expect(rows.first).to_contain_text("done 19")
    page.get_by_role("link", name="Next").click()
    expect(rows).to_have_count(20)
    expect(rows.last).to_contain_text("r0")
    expect(page.get_by_role("link", name="Next")).to_have_count(0)
    page.get_by_role("link", name="Previous").click()
    expect(rows.first).to_contain_text("done 19")
    page.get_by_role("link", name="Previous").click()
    expect(rows.first).to_contain_text("done 29")
    expect(page.get_by_role("link", name="Previous")).to_have_count(0)


def test_a_viewer_sees_but_cannot_switch(pages, api):
    viewer = api.post("/v1/tokens", json={"name": "watcher", "role": "viewer"}).json()["token"]
    page = pages.login(pages.open("/console/login"), viewer)
    expect(page.get_by_test_id("console-banner")).to_contain_text("Operators can switch")
    expect(page.get_by_role("button", name="Enter maintenance")).to_have_count(0)
    assert page.viewport_size == WIDE


def test_a_maintenance_held_by_two_shows_its_holders_and_only_an_admin_ends_it_for_all(
        pages, api):
    api.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "manual db migration, do not exit", "public_message": "Database upgrade"})
    operator = api.post("/v1/tokens", json={"name": "bob", "role": "operator"}).json()["token"]
    api.post("/v1/targets/platform/maintenance/enter", json={"reason": "release 45",
                                                              "hold": "deploy-3f9a"})
    page = pages.login(pages.open("/console/login"), operator)
    banner = page.get_by_test_id("console-banner")
    expect(banner.get_by_test_id("holders")).to_contain_text("deploy-3f9a")
    expect(banner.get_by_test_id("holders")).to_contain_text("manual db migration")
    expect(banner.get_by_test_id("public-message")).to_contain_text("Database upgrade")
    page.get_by_role("button", name="Exit maintenance").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Public message")).to_be_hidden()  # an exit has none
    expect(dialog.get_by_text("End it for every holder")).to_have_count(0)  # not an admin
    dialog.get_by_label("Reason", exact=True).fill("looks done to me")
    dialog.get_by_role("button", name="Exit maintenance").click()
    expect(dialog.get_by_role("alert")).to_contain_text("not by you")
    screenshot(page, "console-holders")
    dialog.get_by_role("button", name="Cancel").click()
    screenshot(pages.login(pages.open("/console/login", PHONE), operator), "console-holders")

    admin = pages.login(pages.open("/console/login"))
    admin.get_by_role("button", name="Exit maintenance").click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_label("Reason", exact=True).fill("incident over, reopening")
    dialog.get_by_label("End it for every holder").check()
    dialog.get_by_role("button", name="Exit maintenance").click()
    expect(dialog).to_be_hidden()
    expect(admin.get_by_test_id("console-banner")).to_contain_text("Operational")
    expect(admin.get_by_test_id("history-row").first).to_contain_text("Disabled")
    expect(admin.get_by_test_id("history-row").nth(1)).to_contain_text("Joined")
