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
