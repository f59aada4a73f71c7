"""The maintenance banner embedded in someone else's page, in Chromium: by the script tag
(which inserts and sizes an iframe) and by a plain iframe. Nothing is requested from any
host but pitstop's (the ``pages`` fixture fails the test otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.web.conftest import PHONE, WIDE, screenshot

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Example shop</title>
<style>body {{ font: 16px system-ui, sans-serif; margin: 0; }}
header {{ background: #222; color: #fff; padding: 12px 16px; }}
main {{ padding: 16px; max-width: 900px; }}</style></head>
<body>
<header>Example shop</header>
<main>
  <div id="notice"></div>
  <h1>Welcome</h1>
  <p>The banner above is pitstop's script; the one below is a plain iframe.</p>
  <iframe id="plain" src="{url}/embed/banner" title="Maintenance"
          style="border:0;width:100%;height:150px"></iframe>
</main>
<script src="{url}/embed/banner.js" data-target="#notice" async></script>
</body></html>
"""


def _host_page(tmp_path: Path, url: str) -> str:
    path = tmp_path / "shop.html"
    path.write_text(HOST_PAGE.format(url=url))
    return path.as_uri()


def test_the_banner_script_shows_maintenance_in_another_page(pages, api, server, tmp_path):
    host = _host_page(tmp_path, server.url)
    page = pages.open("/embed/banner")  # the pages fixture records every request it makes
    expect(page.locator(".bar")).to_have_attribute("data-state", "none")
    page.goto(host)
    inserted = page.locator("#notice iframe")
    expect(inserted).to_have_count(1)
    expect(inserted).to_have_css("visibility", "hidden")  # nothing planned: out of the way

    start = datetime.now(UTC) - timedelta(minutes=10)
    for title, begins, hours in (("Payment gateway upgrade", start, 1),
                                 ("Search reindex", start + timedelta(days=1), 2)):
        r = api.post("/v1/windows", json={
            "title": title, "start": begins.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": "UTC",
            "duration": f"PT{hours}H", "affects": [{"selector": "service:payments"}]})
        assert r.status_code == 201, r.text
    api.put("/v1/services/payments/status", json={"status": "UP"})
    for viewport, width in ((WIDE, 1280), (PHONE, 390)):
        page = pages.open("/embed/banner", viewport)
        page.goto(host)
        frame = page.frame_locator("#notice iframe")
        expect(frame.locator(".bar")).to_have_attribute("data-state", "ongoing")
        expect(frame.locator(".bar")).to_contain_text("Payment gateway upgrade")
        expect(frame.locator(".bar")).to_contain_text("Search reindex")
        inserted = page.locator("#notice iframe")
        expect(inserted).to_have_css("visibility", "visible")
        box = inserted.bounding_box()
        holder = page.locator("#notice").bounding_box()
        assert box and holder and box["height"] > 30 and box["width"] == holder["width"]
        assert box["width"] <= width
        plain = page.frame_locator("#plain")
        expect(plain.locator(".bar")).to_contain_text("Maintenance in progress")
        # The inserted frame is as tall as its banner: nothing cut off, no scroll bar.
        bar = frame.locator(".bar").bounding_box()
        assert bar and abs(bar["height"] - box["height"]) <= 2
        screenshot(page, "embed-banner")
