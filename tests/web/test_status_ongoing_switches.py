"""Switch-based maintenance in progress on the public page: a card under "Ongoing" for the
platform's or a service's switch, like a window occurrence's, with its public message (never
the reason), since when, until when if an end is set, what it affects and its updates; in
English and German. Rendered by the server (tests/web/test_status_updates.py follows the
cards in Chromium)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z


def _cards(html: str) -> list[str]:
    return re.findall(r'<article class="window ongoing" data-testid="ongoing" '
                      r'data-kind="(\w+)">(.*?)</article>', html, re.S)


async def test_switches_on_now_are_ongoing_cards_beside_windows(operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    r = await operator.post("/v1/windows", json={
        "title": "DB patch", "start": "2026-03-01T11:30:00", "timezone": "UTC",
        "duration": "PT1H", "affects": [{"selector": "service:api"}]})
    assert r.status_code == 201, r.text
    r = await operator.post("/v1/targets/service:api/maintenance/enter", json={
        "reason": "ticket OPS-9: swap disk 3", "public_message": "The API is read-only.",
        "expires_at": "2026-03-01T13:30:00Z"})
    assert r.status_code == 200, r.text
    r = await operator.post("/v1/targets/platform/maintenance/enter",
                            json={"reason": "ticket OPS-10"})
    assert r.status_code == 200, r.text
    await operator.post("/v1/targets/platform/maintenance/updates",
                        json={"body": "Half the racks are done."})
    page = await anon.get("/")
    assert "OPS-" not in page.text
    cards = _cards(page.text)
    assert [kind for kind, _ in cards] == ["window", "switch", "switch"]  # by start
    api_card = next(body for kind, body in cards if "read-only" in body)
    assert "<h3>The API is read-only.</h3>" in api_card
    assert 'data-remaining="2026-03-01T13:30:00Z"' in api_card  # until: its end
    assert "Sun, Mar 1, 2026, 13:30 UTC" in api_card and "started" in api_card
    assert re.search(r'<span class="name">api</span> <span class="badge status-maintenance">'
                     r'Maintenance</span>', api_card)
    platform = next(body for kind, body in cards if "platform" in body)
    assert "<h3>Maintenance</h3>" in platform  # no public message: the neutral word
    assert "Since <time datetime=\"2026-03-01T12:00:00Z\">" in platform
    assert "data-remaining" not in platform and "progressbar" not in platform  # no end set
    assert "Half the racks are done." in platform and "Half the racks" not in api_card
    german = await anon.get("/", params={"lang": "de"})
    cards = dict((body.split("<h3>")[1].split("</h3>")[0], body)
                 for _, body in _cards(german.text))
    assert set(cards) == {"DB patch", "The API is read-only.", "Wartung"}
    assert "Seit <time" in cards["Wartung"]
    assert "endet" in cards["The API is read-only."]
    assert "So., 1. März 2026, 13:30 UTC" in cards["The API is read-only."]
    await operator.post("/v1/targets/service:api/maintenance/exit", json={"reason": "done"})
    page = await anon.get("/")
    assert [kind for kind, _ in _cards(page.text)] == ["window", "switch"]
