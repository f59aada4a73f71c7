"""The public page in German and English, in Chromium: the switcher, the cookie it sets,
times and countdowns in the page's language from its script, screenshots of both at 1280
and 390 px with an ongoing and an upcoming window, an update timeline, and a switch
maintenance of a service under "Ongoing"."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot


def _maintenance(api) -> None:
    api.put("/v1/services/api/status", json={"status": "UP"})
    api.put("/v1/services/web/status", json={"status": "UP"})
    start = datetime.now(UTC) - timedelta(minutes=20)
    r = api.post("/v1/windows", json={
        "title": "Database upgrade", "description": "PostgreSQL 17 → 18.",
        "start": start.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": "service:api", "impact": "DEGRADED"}]})
    assert r.status_code == 201, r.text
    wid, oid = r.json()["id"], r.json()["occurrences"][0]["id"]
    url = f"/v1/windows/{wid}/occurrences/{oid}/updates"
    assert api.post(url, json={"body": "Primary is read-only while replicas catch up."}
                    ).status_code == 201
    assert api.post(url, json={"body": "Replicas promoted, verifying the data.",
                               "status": "verifying"}).status_code == 201
    later = datetime.now(UTC) + timedelta(days=2)
    r = api.post("/v1/windows", json={
        "title": "Kernel patch", "start": later.strftime("%Y-%m-%dT%H:%M:%S"),
        "timezone": "UTC", "duration": "PT30M", "affects": [{"selector": "platform"}]})
    assert r.status_code == 201, r.text
    upcoming = r.json()
    assert api.post(f"/v1/windows/{upcoming['id']}/occurrences/"
                    f"{upcoming['occurrences'][0]['id']}/updates",
                    json={"body": "Rolling, **one node at a time**."}).status_code == 201
    # A switch maintenance with an end set: a card under "Ongoing" too.
    api.put("/v1/services/cdn/status", json={"status": "UP"})
    ends = (datetime.now(UTC) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert api.post("/v1/targets/service:cdn/maintenance/enter", json={
        "reason": "ticket OPS-7", "public_message": "Images may load slowly.",
        "expires_at": ends}).status_code == 200


def test_the_status_page_in_german_and_english(pages, api):
    _maintenance(api)
    page = pages.open("/?lang=de")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", name="Wartung läuft")).to_be_visible()
    ongoing = page.get_by_test_id("ongoing")
    expect(ongoing.get_by_test_id("update")).to_have_count(2)
    expect(ongoing.get_by_test_id("update").first).to_contain_text("Wird überprüft")
    expect(ongoing.locator("[data-remaining]").first).to_contain_text(
        re.compile(r"^noch .* · endet"))
    switch = page.locator("[data-testid=ongoing][data-kind=switch]")
    expect(switch.locator("h3")).to_have_text("Images may load slowly.")
    expect(switch.locator("[data-remaining]")).to_contain_text(re.compile(r"^noch 1 h 59 min"))
    expect(switch.locator(".affects")).to_contain_text("cdn")
    expect(switch.locator(".affects")).to_contain_text("Wartung")
    expect(page.get_by_test_id("upcoming").locator("[data-countdown]")).to_contain_text(
        "Beginnt in")
    # The script writes times with Intl in German (Berlin: MEZ or MESZ).
    expect(page.get_by_test_id("upcoming").locator("time").first).to_contain_text(
        re.compile(r"\d{1,2}\. .*MES?Z"))
    expect(page.locator("[data-tz]")).to_have_text("Europe/Berlin")
    screenshot(page, "status-de")
    # The cookie remembers German without ?lang, and a live refresh stays German.
    page.goto(pages.server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    api.put("/v1/services/web/status", json={"status": "DOWN"})
    expect(page.get_by_test_id("service-web")).to_contain_text("Ausgefallen", timeout=3000)
    api.put("/v1/services/web/status", json={"status": "UP"})
    expect(page.get_by_test_id("service-web")).to_contain_text("Verfügbar", timeout=3000)
    # The switcher goes back to English.
    page.get_by_test_id("languages").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Maintenance in progress")).to_be_visible()
    expect(page.get_by_test_id("upcoming").locator("[data-countdown]")).to_contain_text(
        "Starts in")
    screenshot(page, "status-en")
    for lang in ("de", "en"):
        phone = pages.open(f"/?lang={lang}", PHONE)
        expect(phone.get_by_test_id("ongoing").get_by_test_id("update")).to_have_count(2)
        expect(phone.locator("[data-kind=switch]")).to_have_count(1)
        screenshot(phone, f"status-{lang}")
