"""/badge/{service}.svg and /badge/platform.svg: valid SVG (read by an XML parser), the status
the status page shows, an ETag that a reader's If-None-Match turns into 304; and the embed
banner page (server-rendered) and its script."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.api.badge_svg import render, text_width
from pitstop.scheduler.loop import run_once
from pitstop.services.badges import Badge

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z
SVG_NS = "{http://www.w3.org/2000/svg}"


def _parse(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    assert root.tag == f"{SVG_NS}svg"
    return root


def _texts(root: ET.Element) -> list[str]:
    """The visible texts (the shadows are aria-hidden)."""
    return [t.text or "" for t in root.iter(f"{SVG_NS}text") if t.get("aria-hidden") is None]


def _fill_right(root: ET.Element) -> str:
    return root.findall(f"{SVG_NS}g/{SVG_NS}rect")[1].get("fill")


async def test_a_service_badge_shows_its_displayed_status(rt, operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    r = await anon.get("/badge/api.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    assert r.headers["cache-control"] == "no-cache" and r.headers["etag"].startswith('"')
    root = _parse(r.content)
    assert _texts(root) == ["api", "operational"] and _fill_right(root) == "#4c1"
    assert root.get("aria-label") == "api: operational"
    assert root.find(f"{SVG_NS}title").text == "api: operational"
    assert int(root.get("width")) == sum(int(x.get("width")) for x in root.findall(
        f"{SVG_NS}g/{SVG_NS}rect")[:2])

    await operator.post("/v1/windows", json={
        "title": "Patch", "start": "2026-03-01T11:30:00", "timezone": "UTC",
        "duration": "PT1H", "affects": [{"selector": "service:api"}]})
    await operator.put("/v1/services/api/status", json={"status": "DOWN"})
    await run_once(rt, full=True)
    root = _parse((await anon.get("/badge/api.svg")).content)
    assert _texts(root) == ["api", "maintenance"] and _fill_right(root) == "#007ec6"
    clock.advance(timedelta(hours=1))
    await run_once(rt, full=True)
    root = _parse((await anon.get("/badge/api.svg")).content)
    assert _texts(root) == ["api", "down"] and _fill_right(root) == "#e05d44"
    await operator.put("/v1/services/api/status", json={"status": "DEGRADED"})
    root = _parse((await anon.get("/badge/api.svg")).content)
    assert _texts(root) == ["api", "degraded"] and _fill_right(root) == "#fe7d37"


async def test_the_platform_badge_follows_the_page_banner(rt, operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    assert _texts(_parse((await anon.get("/badge/platform.svg")).content)) == [
        "platform", "operational"]
    await operator.post("/v1/targets/platform/maintenance/enter", json={"reason": "x"})
    root = _parse((await anon.get("/badge/platform.svg")).content)
    assert _texts(root) == ["platform", "maintenance"] and _fill_right(root) == "#007ec6"


async def test_if_none_match_answers_304_until_the_status_changes(rt, operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    first = await anon.get("/badge/api.svg")
    etag = first.headers["etag"]
    again = await anon.get("/badge/api.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert (await anon.get("/badge/api.svg", headers={
        "If-None-Match": f'"other", W/{etag}'})).status_code == 304
    await operator.put("/v1/services/api/status", json={"status": "DOWN"})
    changed = await anon.get("/badge/api.svg", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_an_unknown_service_is_a_404_problem(anon):
    r = await anon.get("/badge/nosuch.svg")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/not-found" and "nosuch" in r.json()["detail"]
    assert (await anon.get("/badge/Bad%20Name.svg")).status_code == 422


def test_text_is_escaped_and_width_follows_it():
    svg = render(Badge("a<b>&\"c", "x & y", "grey"))
    root = _parse(svg.encode())
    assert _texts(root) == ['a<b>&"c', "x & y"]
    assert root.get("aria-label") == 'a<b>&"c: x & y'
    short = int(_parse(render(Badge("db", "up", "green")).encode()).get("width"))
    long = int(_parse(render(Badge("database-primary", "maintenance", "blue")).encode())
               .get("width"))
    assert long - short == text_width("database-primary") + text_width("maintenance") \
        - text_width("db") - text_width("up")
    assert text_width("iiii") < text_width("mmmm")


async def test_the_embed_banner_shows_ongoing_and_upcoming_public_maintenance(
        rt, operator, anon):
    r = await anon.get("/embed/banner")
    assert r.status_code == 200 and 'data-state="none"' in r.text
    assert "No maintenance planned" in r.text
    await operator.post("/v1/windows", json={
        "title": "Search reindex <soon>", "start": "2026-03-01T15:00:00", "timezone": "UTC",
        "duration": "PT1H", "affects": [{"selector": "service:search"}]})
    await operator.post("/v1/windows", json={
        "title": "Hidden", "start": "2026-03-01T15:00:00", "timezone": "UTC",
        "duration": "PT1H", "public": False, "affects": [{"selector": "service:search"}]})
    await run_once(rt, full=True)
    html = (await anon.get("/embed/banner")).text
    assert 'data-state="upcoming"' in html and "Search reindex &lt;soon&gt;" in html
    assert "Hidden" not in html
    await operator.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "internal OPS-9", "public_message": "Moving data centres"})
    html = (await anon.get("/embed/banner")).text
    assert 'data-state="ongoing"' in html and "Moving data centres" in html
    assert "OPS-9" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host

    js = await anon.get("/embed/banner.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "/embed/banner" in js.text and "postMessage" not in js.text
