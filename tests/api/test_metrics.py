"""GET /metrics: Prometheus text that a scraper can parse, with pitstop's state."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler.loop import run_once
from tests.conftest import client_for, make_settings

pytestmark = pytest.mark.usefixtures("frozen")


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_metrics_show_maintenance_leases_occurrences_and_lateness(operator, anon, rt):
    await operator.put("/v1/targets/node:a", json={})
    await operator.post("/v1/targets/node:a/maintenance/enter", json={"reason": "disk"})
    await operator.post("/v1/leases", json={"target": "platform", "kind": "k", "holder": "h"})
    await operator.post("/v1/windows", json={
        "title": "w", "start": "2026-03-01T12:00:10", "timezone": "UTC", "duration": 60,
        "ready_lead": 0, "affects": [{"selector": "service:api"}]})
    clock.advance(10.5)
    await run_once(rt, full=False)
    r = await anon.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    got = samples(r.text)
    assert got[("pitstop_targets_in_maintenance", (("kind", "node"),))] == 1
    assert got[("pitstop_targets_in_maintenance", (("kind", "platform"),))] == 0
    assert got[("pitstop_leases_in_flight", ())] == 1
    assert got[("pitstop_occurrences", (("status", "ONGOING"),))] == 1
    assert got[("pitstop_events_published_total", ())] >= 4
    assert got[("pitstop_scheduler_lateness_seconds_count", ())] == 1
    assert got[("pitstop_scheduler_lateness_seconds_sum", ())] == pytest.approx(0.5)


async def test_the_single_sqlite_server_always_leads_the_scheduler(sqlite_url):
    app = create_app(make_settings(sqlite_url), run_scheduler=False)
    async with app.router.lifespan_context(app), client_for(app) as anon:
        health = (await anon.get("/health")).json()
        assert health["leader"] is True and health["replica"] is None
        assert health["status"] == "ok" and "maintenanceMode" in health  # fields kept
        got = samples((await anon.get("/metrics")).text)
    assert got[("pitstop_scheduler_leader", ())] == 1
