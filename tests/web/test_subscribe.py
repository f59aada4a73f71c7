"""Acceptance (issue 15): a visitor subscribes on the status page, in Chromium, confirms from
the mail a real SMTP server received, hears of a window on the service they chose (and
nothing of another), and the unsubscribe link in a mail stops mails at once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.live import LiveServer, free_port
from tests.receivers import SmtpReceiver
from tests.web.conftest import PHONE, WIDE, Pages, screenshot


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    r = SmtpReceiver(free_port())
    yield r
    r.close()


@pytest.fixture
def server(tmp_path: Path, smtp: SmtpReceiver) -> Iterator[LiveServer]:
    port = free_port()
    server = LiveServer(tmp_path, PITSTOP_PUBLIC_URL=f"http://127.0.0.1:{port}",
                        PITSTOP_SMTP_HOST="127.0.0.1", PITSTOP_SMTP_PORT=str(smtp.port),
                        PITSTOP_SMTP_TLS="none")
    server.port, server.url = port, f"http://127.0.0.1:{port}"
    server.start()
    yield server
    server.stop()


def mail_text(mail) -> str:  # type: ignore[no-untyped-def]
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()


def wait_for(smtp: SmtpReceiver, subject: str, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in smtp.messages:
            if str(make_header(decode_header(mail["Subject"]))) == subject:
                return mail
        time.sleep(0.1)
    raise AssertionError(f"no mail {subject!r}; got {[m['Subject'] for m in smtp.messages]}")


def window(api: httpx.Client, service: str, start: datetime) -> tuple[int, int]:
    r = api.post("/v1/windows", json={
        "title": f"Upgrade {service}", "description": "Short pauses possible.",
        "start": start.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": f"service:{service}"}]})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["occurrences"][0]["id"]


def test_a_visitor_subscribes_confirms_hears_and_unsubscribes(pages: Pages, api, smtp):
    for name in ("api", "db"):
        assert api.put(f"/v1/targets/service:{name}", json={}).status_code in (200, 201)
    page = pages.open("/")
    page.get_by_role("link", name="Get notices by email").click()
    page.fill("#address", "visitor@example.org")
    page.get_by_label("Only these services:").check()
    page.get_by_label("api", exact=True).check()
    for viewport, width in ((WIDE, 1280), (PHONE, 390)):
        page.set_viewport_size(viewport)
        screenshot(page, "subscribe-form")
        assert page.viewport_size["width"] == width
    page.set_viewport_size(WIDE)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator("[data-outcome=pending]")).to_contain_text("visitor@example.org")
    confirmation = wait_for(smtp, "Confirm your subscription to maintenance notices")
    link = re.search(r"http://\S+/subscribe/confirm\?token=\S+", mail_text(confirmation))
    assert link, mail_text(confirmation)
    page.goto(link.group(0))
    expect(page.locator("[data-outcome=confirmed]")).to_contain_text("confirmed")
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        screenshot(page, "subscribe-confirmed")
    wait_for(smtp, "Subscribed to maintenance notices")

    start = datetime.now(UTC) + timedelta(seconds=3)
    wid, oid = window(api, "api", start)
    window(api, "db", start)
    wait_for(smtp, "Scheduled: Upgrade api")
    wait_for(smtp, "In progress: Upgrade api")
    r = api.post(f"/v1/windows/{wid}/occurrences/{oid}/updates",
                 json={"body": "Halfway there.", "status": "in_progress"})
    assert r.status_code == 201, r.text
    assert "Halfway there." in mail_text(wait_for(smtp, "Update: Upgrade api"))
    r = api.patch(f"/v1/windows/{wid}/occurrences/{oid}", json={"status": "COMPLETED"})
    assert r.status_code == 200, r.text
    last = wait_for(smtp, "Completed: Upgrade api")
    assert not [m for m in smtp.messages if "db" in m["Subject"]]

    leave = re.search(r"Unsubscribe: (\S+)", mail_text(last)).group(1)
    page.goto(leave)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("[data-outcome=unsubscribed]")).to_be_visible()
    count = len(smtp.messages)
    window(api, "api", datetime.now(UTC) + timedelta(days=1))
    time.sleep(2)  # the outbox would have sent "scheduled" by now
    assert len(smtp.messages) == count


def test_admins_list_export_and_remove_subscribers_in_the_console(pages: Pages, api, smtp):
    r = httpx.post(pages.server.url + "/v1/public/subscribers",
                   json={"address": "someone@example.org"})
    assert r.status_code == 202, r.text
    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Subscribers").click()
    row = page.get_by_test_id(f"subscriber-{r.json()['id']}")
    expect(row).to_contain_text("someone@example.org")
    expect(row).to_contain_text("pending")
    csv_text = page.request.get(pages.server.url + "/v1/subscribers.csv").text()
    assert "someone@example.org" in csv_text
    screenshot(page, "console-subscribers")
    row.get_by_role("button", name="Remove").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Remove the subscriber someone@example.org?")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id(f"subscriber-{r.json()['id']}")).to_have_count(0)
    assert api.get("/v1/subscribers").json()["items"] == []


def test_a_german_visitor_subscribes_and_confirms_in_german(pages: Pages, api, smtp):
    assert api.put("/v1/targets/service:api", json={}).status_code in (200, 201)
    page = pages.open("/?lang=de")  # the cookie keeps German for the pages that follow
    page.get_by_role("link", name="Benachrichtigungen per E-Mail").click()
    expect(page.locator("h1")).to_have_text("Wartungsmeldungen abonnieren")
    page.fill("#address", "besucher@example.org")
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        screenshot(page, "subscribe-form-de")
    page.set_viewport_size(WIDE)
    page.get_by_role("button", name="Abonnieren").click()
    expect(page.locator("[data-outcome=pending]")).to_contain_text("besucher@example.org")
    # The mail is in German too (the language the visitor subscribed in).
    confirmation = wait_for(smtp, "Bestätigen Sie Ihr Abonnement der Wartungsmeldungen")
    assert "Öffnen Sie zur Bestätigung" in mail_text(confirmation)
    link = re.search(r"http://\S+/subscribe/confirm\?token=\S+", mail_text(confirmation))
    assert link, mail_text(confirmation)
    page.goto(link.group(0))
    expect(page.locator("[data-outcome=confirmed]")).to_contain_text("Ihr Abonnement ist "
                                                                     "bestätigt")
    welcome = wait_for(smtp, "Wartungsmeldungen abonniert")
    assert "Sie haben Wartungsmeldungen abonniert (alle Wartungen)." in mail_text(welcome)
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        screenshot(page, "subscribe-confirmed-de")
