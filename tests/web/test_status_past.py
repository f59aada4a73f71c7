"""The public page's past maintenance: only what is over, newest first, ten a page, and a
date range that narrows it. Rendered by the server (no browser needed)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z


def _rows(html: str) -> list[tuple[str, str]]:
    """(title, start) of each past maintenance row."""
    return re.findall(r'<tr data-testid="past"[^>]*><td data-label="Maintenance">([^<]+)</td>'
                      r'.*?<td data-label="When"><span><time datetime="([^"]+)"', html)


async def test_past_maintenance_is_paged_and_filtered_by_date(rt, operator, anon):
    r = await operator.post("/v1/windows", json={
        "title": "Nightly vacuum", "start": "2026-03-01T13:00:00", "timezone": "UTC",
        "duration": "PT1H", "rrule": "FREQ=DAILY;COUNT=12", "affects": [{"selector": "platform"}]})
    assert r.status_code == 201
    await operator.post("/v1/windows", json={
        "title": "Private work", "start": "2026-03-01T13:00:00", "timezone": "UTC",
        "duration": "PT1H", "public": False, "affects": [{"selector": "service:x"}]})
    for _ in range(13 * 4):
        clock.advance(timedelta(hours=6))
        await run_once(rt, full=True)
    first = (await anon.get("/")).text
    rows = _rows(first)
    assert len(rows) == 10 and {t for t, _ in rows} == {"Nightly vacuum"}
    assert rows[0][1] == "2026-03-12T13:00:00Z" and rows[-1][1] == "2026-03-03T13:00:00Z"
    assert 'page=2">Next</a>' in first and ">Previous</a>" not in first
    second = (await anon.get("/", params={"page": 2})).text
    assert [at for _, at in _rows(second)] == ["2026-03-02T13:00:00Z", "2026-03-01T13:00:00Z"]
    assert ">Previous</a>" in second and ">Next</a>" not in second
    ranged = (await anon.get("/", params={"from": "2026-03-04", "to": "2026-03-05"})).text
    assert [at for _, at in _rows(ranged)] == ["2026-03-05T13:00:00Z", "2026-03-04T13:00:00Z"]
    r = await anon.get("/", params={"from": "2026-03-05", "to": "2026-03-04"})
    assert r.status_code == 200
    assert "The &#39;To&#39; date is before the &#39;From&#39; date" in r.text
    assert [at for _, at in _rows(r.text)][-1] == "2026-03-05T13:00:00Z"
    # Days are the viewer's: in Los Angeles, 5 March 13:00 UTC is still 5 March (05:00).
    ranged = (await anon.get("/", params={"from": "2026-03-05", "to": "2026-03-05",
                                          "tz": "America/Los_Angeles"})).text
    assert [at for _, at in _rows(ranged)] == ["2026-03-05T13:00:00Z"]
    ranged = (await anon.get("/", params={"from": "2026-03-05", "to": "2026-03-05",
                                          "tz": "Pacific/Kiritimati"})).text  # UTC+14
    assert [at for _, at in _rows(ranged)] == ["2026-03-04T13:00:00Z"]


async def test_a_private_window_never_shows_on_the_public_page(rt, operator, anon):
    r = await operator.post("/v1/windows", json={
        "title": "Secret migration", "start": "2026-03-01T11:30:00", "timezone": "UTC",
        "duration": "PT1H", "public": False, "affects": [{"selector": "platform"}]})
    assert r.status_code == 201
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    await run_once(rt, full=True)
    html = (await anon.get("/")).text
    assert "Secret migration" not in html  # the service shows its status, not the window
    assert "None right now." in html


async def test_a_service_that_never_reported_is_unknown_not_up(rt, operator, anon):
    await operator.put("/v1/targets/service:batch", json={})
    await operator.post("/v1/targets/platform/maintenance/enter", json={"reason": "x"})
    html = (await anon.get("/")).text
    assert re.search(r'data-testid="service-batch".*?realtime: <span class="badge '
                     r'status-unknown">Unknown</span>', html, re.S)
