"""Windows in the console, in Chromium: a weekly window made with a preset and checked in
the preview before saving, errors shown at their field, then one occurrence cancelled."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot


def test_create_a_weekly_window_with_the_preview_then_cancel_one_occurrence(pages):
    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Windows").click()
    page.get_by_role("link", name="New window").click()
    tomorrow = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=1)
    page.get_by_label("Title").fill("DB patch")
    page.get_by_label("Start (local time in the zone below)").fill(
        tomorrow.strftime("%Y-%m-%dT02:30"))
    page.get_by_label("Time zone").fill("Europe/Bxrlin")
    page.get_by_label("Preset").select_option("weekly")
    page.get_by_label("Sun").check()
    page.get_by_label("Wed").check()
    expect(page.get_by_label("RRULE")).to_have_value("FREQ=WEEKLY;BYDAY=WE,SU")
    page.get_by_label(re.compile("^Affects")).fill("service:db DOWN\nregion=eu")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator('[data-error-for="timezone"]')).to_contain_text("Europe/Bxrlin")
    page.get_by_label("Time zone").fill("Europe/Berlin")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview").locator("li")
    expect(preview).to_have_count(5)
    expect(preview.first).to_contain_text(re.compile(r"(Sun|Wed).*02:30"))
    expect(page.locator('[data-error-for="timezone"]')).to_be_hidden()
    screenshot(page, "console-window-form")
    page.get_by_role("button", name="Create window").click()
    expect(page.get_by_role("heading", name="DB patch")).to_be_visible()
    occurrences = page.get_by_test_id("occurrence")
    expect(occurrences.first).to_contain_text("02:30")
    count = occurrences.count()
    assert count >= 1
    occurrences.first.get_by_role("button", name="Cancel").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Cancel this occurrence?")
    dialog.get_by_role("button", name="Confirm").click()
    expect(occurrences.first).to_contain_text("Cancelled")
    expect(occurrences).to_have_count(count)
    screenshot(page, "console-window")
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.goto(page.url)
    screenshot(phone, "console-window")
    phone.goto(pages.server.url + "/console/windows/new")
    screenshot(phone, "console-window-form")
    page.get_by_role("link", name="← Windows").click()
    expect(page.get_by_test_id("window-row")).to_contain_text("FREQ=WEEKLY;BYDAY=WE,SU")
    screenshot(page, "console-windows")
    phone.goto(pages.server.url + "/console/windows")
    screenshot(phone, "console-windows")


def test_move_and_delete_an_occurrence_behind_confirmations(pages, api):
    start = datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=1)
    r = api.post("/v1/windows", json={
        "title": "Router swap", "start": start.strftime("%Y-%m-%dT22:00:00"),
        "timezone": "Europe/Berlin", "duration": "PT1H", "rrule": "FREQ=DAILY;COUNT=3",
        "affects": [{"selector": "platform"}]})
    window = r.json()["id"]
    page = pages.login(pages.open("/console/login"))
    page.goto(f"{pages.server.url}/console/windows/{window}")
    rows = page.get_by_test_id("occurrence")
    expect(rows).to_have_count(3)
    rows.nth(1).get_by_role("button", name="Move").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Move this occurrence")
    later = start + timedelta(days=1)
    dialog.get_by_label("New start (in the window's time zone)").fill(
        later.strftime("%Y-%m-%dT23:30"))
    dialog.get_by_label("New end").fill(later.strftime("%Y-%m-%dT23:00"))
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_role("alert")).to_contain_text("is not after start")  # at the dialog
    dialog.get_by_label("New end").fill((later + timedelta(days=1)).strftime("%Y-%m-%dT00:30"))
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog).to_be_hidden()
    expect(rows.nth(1)).to_contain_text("23:30")
    expect(rows.nth(1)).to_contain_text("moved")
    rows.last.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("dialog")).to_contain_text("Delete this occurrence?")
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    expect(rows).to_have_count(2)
