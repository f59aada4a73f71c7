"""Services, channels and tokens in the console, in Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from pitstop.domain.notifications import DEFAULT_KINDS
from tests.receivers import HttpReceiver
from tests.web.conftest import PHONE, screenshot


def test_services_show_displayed_and_realtime_status(pages, api):
    api.put("/v1/services/api/status", json={"status": "DOWN", "message": "5xx spike"})
    api.put("/v1/services/web/status", json={"status": "UP"})
    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Services").click()
    row = page.get_by_test_id("service-api")
    expect(row).to_contain_text("Down")
    expect(row).to_contain_text("5xx spike")
    api.post("/v1/targets/platform/maintenance/enter", json={"reason": "failover"})
    expect(row).to_contain_text("Maintenance")  # displayed, live
    expect(row).to_contain_text("Down")  # realtime beside it
    screenshot(page, "console-services")
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.goto(pages.server.url + "/console/services")
    screenshot(phone, "console-services")


def test_channels_add_test_and_retry_a_delivery(pages, api):
    receiver = HttpReceiver()
    try:
        page = pages.login(pages.open("/console/login"))
        page.get_by_role("link", name="Channels").click()
        page.get_by_label("Name").fill("ops hook")
        page.get_by_label("Kind").select_option("webhook")
        page.get_by_label("URL").fill(receiver.url + "/hook")
        page.get_by_role("button", name="Add channel").click()
        expect(page.locator('[data-error-for="secret"]')).to_contain_text("at least 16")
        page.get_by_label("Signing secret (webhooks: 16 characters or more; never shown again)"
                          ).fill("whsec-0123456789abcdef")
        page.get_by_role("button", name="Add channel").click()
        row = page.get_by_test_id("channel-ops hook")
        expect(row).to_contain_text(f"{len(DEFAULT_KINDS)} kinds")
        expect(row).to_contain_text("signed")
        expect(page.locator("body")).not_to_contain_text("whsec-0123456789abcdef")
        receiver.plan.append(500)
        row.get_by_role("button", name="Send test").click()
        expect(page.locator("#notice")).to_contain_text("HTTP 500")
        failed = page.get_by_test_id("delivery").first
        expect(failed).to_contain_text("Dead")
        failed.get_by_role("button", name="Retry").click()
        expect(failed).to_contain_text("Delivered")  # the worker sent it again at once
        assert [r.answered for r in receiver.requests] == [500, 200]
        screenshot(page, "console-channels")
        phone = pages.login(pages.open("/console/login", PHONE))
        phone.goto(pages.server.url + "/console/channels")
        screenshot(phone, "console-channels")
    finally:
        receiver.close()


def test_tokens_are_shown_once_and_revoked_after_confirmation(pages, api):
    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Tokens").click()
    page.get_by_label("Name").fill("ci-pipeline")
    page.get_by_label("Role").select_option("operator")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_test_id("new-token")
    expect(secret).to_contain_text("pst_")
    token = secret.inner_text().strip()
    assert api.get("/v1/targets", headers={"Authorization": f"Bearer {token}"}
                   ).status_code == 200
    row = page.get_by_test_id("token-ci-pipeline")
    expect(row).to_contain_text("operator")
    screenshot(page, "console-tokens")
    row.get_by_role("button", name="Revoke").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke the token ci-pipeline?")
    dialog.get_by_role("button", name="Confirm").click()
    expect(page.get_by_test_id("token-ci-pipeline")).to_have_count(0)
    assert api.get("/v1/targets", headers={"Authorization": f"Bearer {token}"}
                   ).status_code == 401
    phone = pages.login(pages.open("/console/login", PHONE))
    phone.goto(pages.server.url + "/console/tokens")
    screenshot(phone, "console-tokens")


def test_viewers_do_not_see_admin_pages(pages, api):
    viewer = api.post("/v1/tokens", json={"name": "watcher", "role": "viewer"}).json()["token"]
    page = pages.login(pages.open("/console/login"), viewer)
    expect(page.get_by_role("link", name="Tokens")).to_have_count(0)
    response = page.goto(pages.server.url + "/console/tokens")
    assert response.status == 403
