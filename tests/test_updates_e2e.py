"""An update on the live stream, against a real server: subscribers of its event type get it
with its text, and the public page's signal tells browsers to re-read the page."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect


def test_an_update_reaches_the_stream_and_the_public_pages_signal(live):
    with live.client() as http:
        http.put("/v1/targets/service:api", json={})
        http.post("/v1/targets/service:api/maintenance/enter", json={"reason": "disk"})
        url = (f"ws://127.0.0.1:{live.port}/v1/stream?token={live.token}"
               "&types=maintenance_update.posted")
        with (connect(url) as ws,
              httpx.stream("GET", live.url + "/status/events",
                           timeout=httpx.Timeout(10, read=10)) as signal):
            lines = signal.iter_lines()
            assert next(lines).startswith("retry:")
            r = http.post("/v1/targets/service:api/maintenance/updates",
                          json={"body": "Disk swapped.", "status": "verifying"})
            assert r.status_code == 201, r.text
            message = json.loads(ws.recv(timeout=5))
            assert (message["type"], message["target"]) == ("maintenance_update.posted",
                                                            "service:api")
            assert message["data"]["body"] == "Disk swapped."
            assert message["data"]["status"] == "verifying"
            assert message["data"]["update"] == r.json()["id"]
            change = next(line for line in lines if line.startswith("event:"))
            assert change == "event: change"
            assert json.loads(next(lines).removeprefix("data: ")) == {"id": message["id"]}
