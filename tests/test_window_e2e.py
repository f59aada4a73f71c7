"""A window against a real server process: it starts to the second and gates work."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx


def _status_when(http: httpx.Client, url: str, wanted: str, deadline: float) -> float:
    """Poll until the occurrence has ``wanted`` status; the wall time it was first seen."""
    while time.time() < deadline:
        items = http.get(url, params={"from": "2000-01-01T00:00:00Z"}).json()["items"]
        if items and items[0]["status"] == wanted:
            return time.time()
        time.sleep(0.05)
    raise AssertionError(f"the occurrence did not become {wanted} in time")


def test_a_window_starts_within_a_second_and_gates_leases(live):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    with live.client() as http:
        created = http.post("/v1/windows", json={
            "title": "Failover drill", "start": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "timezone": "UTC", "duration": 3, "ready_lead": 0,
            "affects": [{"selector": "platform"}]})
        assert created.status_code == 201, created.text
        url = f"/v1/windows/{created.json()['id']}/occurrences"
        lease = {"target": "platform", "kind": "job", "holder": "e2e"}
        granted = http.post("/v1/leases", json=lease)
        assert granted.status_code == 201
        http.delete(f"/v1/leases/{granted.json()['id']}")

        seen = _status_when(http, url, "ONGOING", start.timestamp() + 5)
        assert seen - start.timestamp() < 1.0, "ONGOING more than 1 s after the start"
        refused = http.post("/v1/leases", json=lease)
        assert refused.status_code == 503
        assert refused.json()["causes"][0]["kind"] == "window"

        end = start.timestamp() + 3
        seen = _status_when(http, url, "COMPLETED", end + 5)
        assert seen - end < 1.0, "COMPLETED more than 1 s after the end"
        assert http.post("/v1/leases", json=lease).status_code == 201
