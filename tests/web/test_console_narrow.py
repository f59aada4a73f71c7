"""Every console page fits a 390 px phone: wide tables scroll inside their card (or stack)
instead of widening the page. Checked with data in every table."""

from __future__ import annotations

from tests.web.conftest import screenshot

PHONE = {"width": 390, "height": 844}
# What sticks out past the viewport (to say what to fix when the check fails).
WIDEST = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391)
  .slice(0, 6)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)} `
            + `${getComputedStyle(e).display}/${getComputedStyle(e).overflowX}`)"""
PAGES = ("/console", "/console/fleet", "/console/fleet/edge-1", "/console/windows",
         "/console/services", "/console/channels", "/console/subscribers",
         "/console/silences", "/console/tokens", "/console/branding")

PHONE_SHOTS = {"/console/subscribers": "console-subscribers",
               "/console/branding": "console-branding"}


def test_every_console_page_fits_390_px(pages, api):
    api.post("/v1/nodes", json={"name": "edge-1", "labels": {"region": "eu-central-1",
                                                             "rack": "b-17"}})
    api.put("/v1/nodes/edge-1/config", json={"workloads": [{"name": "log-shipper"}]})
    api.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "swap the boot disk"})
    window = api.post("/v1/windows", json={
        "title": "Database cluster kernel upgrade, one node at a time", "timezone":
        "Europe/Berlin", "start": "2030-01-06T02:30:00", "duration": "PT2H",
        "rrule": "FREQ=WEEKLY;BYDAY=SU", "affects": [{"selector": "service:checkout"}]})
    assert window.status_code == 201, window.text
    api.put("/v1/services/checkout/status", json={"status": "DEGRADED",
                                                  "message": "p99 latency above 2 s"})
    api.post("/v1/channels", json={"name": "ops-webhook", "kind": "webhook",
                                   "url": "https://hooks.example.com/pitstop/ops"})
    page = pages.login(pages.open("/console/login", PHONE))
    for path in (*PAGES, f"/console/windows/{window.json()['id']}"):
        page.goto(pages.server.url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(WIDEST)
        assert width <= 390, f"{path} is {width} px wide at 390: {wide}"
        if path in PHONE_SHOTS:  # pages no other browser test photographs at 390 px
            screenshot(page, PHONE_SHOTS[path])
    page.goto(pages.server.url + "/console/fleet")
    screenshot(page, "console-fleet")
