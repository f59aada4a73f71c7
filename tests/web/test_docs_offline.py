"""The API's documentation renders with no network beyond pitstop itself."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot


def test_the_api_docs_render_offline(pages, server):
    page = pages.open("/docs", offline=True)  # any other host is unreachable
    expect(page.get_by_text("/v1/targets/{target}/maintenance/enter").first).to_be_visible()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("pitstop")
    screenshot(page, "api-docs")
    screenshot(pages.open("/docs", PHONE, offline=True), "api-docs")
    page.get_by_text("/v1/agent/heartbeat").first.click()  # its body schema resolves
    expect(page.get_by_text("started_at").first).to_be_visible()
    # pages records every request: a CDN asset (or the online validator) fails the test
    assert pages.foreign == []
