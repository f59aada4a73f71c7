"""Branding and service groups in Chromium: an admin sets the title, accent colour, about
text, logo and groups in the console; the public page shows them, groups collapsed with
their most severe status. Screenshots of the branded, grouped page at 1280 and 390 px."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from playwright.sync_api import expect

from tests.web.conftest import PHONE, screenshot


def png(width: int = 96, height: int = 96) -> bytes:
    """A real PNG: an orange rounded mark on white, drawn pixel by pixel."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            dx, dy = x - width / 2, y - height / 2
            inside = dx * dx + dy * dy < (width / 2.2) ** 2
            ring = inside and dx * dx + dy * dy > (width / 4) ** 2
            row += bytes((255, 102, 0, 255) if ring else (255, 255, 255, 0))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def test_an_admin_brands_the_page_and_groups_services(pages, api, tmp_path: Path):
    for name, status in (("api", "UP"), ("db", "DEGRADED"), ("worker", "UP"),
                         ("cdn", "UP"), ("web", "UP"), ("docs", "UP")):
        api.put(f"/v1/services/{name}/status", json={"status": status})
    logo = tmp_path / "logo.png"
    logo.write_bytes(png())
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')

    page = pages.login(pages.open("/console/login"))
    page.get_by_role("link", name="Branding").click()
    page.get_by_label("Accent colour (#rrggbb)").fill("orange")
    page.get_by_role("button", name="Save branding").click()
    expect(page.locator('[data-error-for="accent"]')).to_contain_text("CSS hex colour")
    page.get_by_label("Title").fill("Acme Cloud status")
    page.get_by_label("Accent colour (#rrggbb)").fill("#ff6600")
    page.get_by_label("About (plain text, up to 1000 characters)").fill(
        "Live status of Acme Cloud's services and planned maintenance.")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_test_id("branding-title")).to_have_text("Acme Cloud status")

    page.get_by_label("PNG, JPEG or WebP, at most 256 KiB").set_input_files(
        str(tmp_path / "logo.svg"))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.locator('[data-error-for="logo"]')).to_contain_text("PNG, JPEG or WebP")
    page.get_by_label("PNG, JPEG or WebP, at most 256 KiB").set_input_files(str(logo))
    page.get_by_role("button", name="Upload logo").click()
    expect(page.get_by_test_id("branding-logo")).to_be_visible()

    page.get_by_label("One group per line", exact=False).fill(
        "Core platform: api, db, worker\nEdge: cdn, web")
    page.get_by_role("button", name="Save groups").click()
    expect(page.get_by_test_id("group-Core platform")).to_contain_text("api, db, worker")
    screenshot(page, "console-branding")

    public = pages.open("/")
    expect(public).to_have_title("Acme Cloud status")
    expect(public.get_by_test_id("brand")).to_contain_text("Acme Cloud status")
    expect(public.get_by_test_id("about")).to_contain_text("Live status of Acme Cloud")
    assert public.locator(".topbar .logo").evaluate("img => img.naturalWidth") == 96
    accent = public.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    assert accent == "#ff6600"
    core = public.get_by_test_id("group-Core platform")
    expect(core.locator("summary")).to_contain_text("Degraded")  # db's status, the worst
    expect(public.get_by_test_id("group-Edge").locator("summary")).to_contain_text("Up")
    expect(core.get_by_test_id("service-api")).to_be_hidden()  # collapsed
    core.locator("summary").click()
    expect(core.get_by_test_id("service-api")).to_be_visible()
    expect(public.get_by_test_id("service-docs")).to_be_visible()  # in no group
    screenshot(public, "status-branded")

    phone = pages.open("/", PHONE)
    phone.get_by_test_id("group-Core platform").locator("summary").click()
    expect(phone.get_by_test_id("service-db")).to_be_visible()
    screenshot(phone, "status-branded")


def test_operators_do_not_get_the_branding_page(pages, api):
    token = api.post("/v1/tokens", json={"name": "op", "role": "operator"}).json()["token"]
    page = pages.login(pages.open("/console/login"), token)
    expect(page.get_by_role("link", name="Branding")).to_have_count(0)
    response = page.goto(pages.server.url + "/console/branding")
    assert response.status == 403


def test_an_opened_group_stays_open_when_the_page_updates_live(pages, api):
    for name in ("api", "db"):
        api.put(f"/v1/services/{name}/status", json={"status": "UP"})
    api.put("/v1/service-groups", json={"groups": [{"name": "Core", "services": ["api", "db"]}]})
    page = pages.open("/")
    group = page.get_by_test_id("group-Core")
    expect(group).to_have_attribute("data-status", "UP")
    group.locator("summary").click()
    api.put("/v1/services/db/status", json={"status": "DOWN"})
    expect(group).to_have_attribute("data-status", "DOWN")  # live, without a reload
    expect(group.get_by_test_id("service-db")).to_be_visible()
    api.put("/v1/branding", json={"about": "Now with an about text."})
    expect(page.get_by_test_id("about")).to_have_text("Now with an about text.")


def test_an_open_page_follows_a_branding_change_live(pages, api):
    """Title, logo and accent colour are outside the page's live part; a change still
    shows on an open page at once, without a reload (and in its language)."""
    page = pages.open("/?lang=de")
    expect(page).to_have_title("Dienststatus")
    brand = page.get_by_test_id("brand")
    expect(brand.locator("img")).to_have_count(0)
    r = api.put("/v1/branding", json={"title": "Acme Cloud status", "accent": "#ff6600"})
    assert r.status_code == 200, r.text
    expect(page).to_have_title("Acme Cloud status")
    expect(brand).to_have_text("Acme Cloud status")
    accent = "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()"
    assert page.evaluate(accent) == "#ff6600"
    r = api.put("/v1/branding/logo", content=png(), headers={"Content-Type": "image/png"})
    assert r.status_code == 200, r.text
    expect(brand.locator("img.logo")).to_have_attribute("src", re.compile(r"^/branding/logo"))
    expect(brand.locator("img.logo")).to_have_js_property("naturalWidth", 96)
    assert api.put("/v1/branding", json={"title": None}).status_code == 200
    expect(page).to_have_title("Dienststatus")  # the default, translated again
    expect(page.locator("html")).to_have_attribute("lang", "de")
