"""The live stream against a real server: SSE and WebSocket clients get each event, and a
client that reconnects with its last id gets exactly what it missed, in order, once."""

from __future__ import annotations

import json
import queue
import threading

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


def _sse_events(live, q: queue.Queue, count: int, **params: str) -> None:
    """Read ``count`` events from the SSE endpoint into ``q``, then hang up."""
    headers = {"Authorization": f"Bearer {live.token}"}
    with httpx.stream("GET", live.url + "/v1/events", params=params, headers=headers,
                      timeout=httpx.Timeout(10, read=30)) as r:
        q.put(("status", r.status_code))
        event: dict[str, str] = {}
        for line in r.iter_lines():
            if not line:
                if "data" in event:
                    q.put(("event", {**json.loads(event["data"]), "sse_id": event.get("id")}))
                    count -= 1
                    if count == 0:
                        return
                event = {}
            elif not line.startswith(":"):
                key, _, value = line.partition(": ")
                event[key] = value


def _toggle(http: httpx.Client, n: int) -> None:
    for i in range(n):
        action = "enter" if i % 2 == 0 else "exit"
        r = http.post(f"/v1/targets/node:a/maintenance/{action}", json={"reason": f"r{i}"})
        assert r.status_code == 200, r.text


def test_sse_and_websocket_clients_receive_a_toggle(live):
    with live.client() as http:
        http.put("/v1/targets/node:a", json={})
        q: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_sse_events, args=(live, q, 1),
                                  kwargs={"types": "maintenance.entered"}, daemon=True)
        reader.start()
        assert q.get(timeout=10) == ("status", 200)
        with connect(f"ws://127.0.0.1:{live.port}/v1/stream?token={live.token}") as ws:
            http.post("/v1/targets/node:a/maintenance/enter", json={"reason": "disk"})
            message = json.loads(ws.recv(timeout=5))
            assert (message["type"], message["target"]) == ("maintenance.entered", "node:a")
            assert message["data"]["reason"] == "disk"
        kind, event = q.get(timeout=5)
        assert kind == "event" and event["type"] == "maintenance.entered"
        assert event["id"] == message["id"] and event["sse_id"] == str(message["id"])
        reader.join(5)


def test_reconnecting_with_the_last_id_gets_exactly_what_was_missed(live):
    with live.client() as http:
        http.put("/v1/targets/node:a", json={})
        url = (f"ws://127.0.0.1:{live.port}/v1/stream?token={live.token}&target=node:a"
               "&types=maintenance.entered,maintenance.exited")
        with connect(url) as ws:
            _toggle(http, 2)
            seen = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
        last = seen[-1]["id"]
        _toggle(http, 10)  # while disconnected
        with connect(url + f"&after={last}") as ws:
            missed = [json.loads(ws.recv(timeout=5)) for _ in range(10)]
            _toggle(http, 1)
            live_one = json.loads(ws.recv(timeout=5))
        ids = [m["id"] for m in missed]
        assert ids == sorted(ids) and len(set(ids)) == 10 and ids[0] > last
        assert [m["data"]["reason"] for m in missed] == [f"r{i}" for i in range(10)]
        assert live_one["id"] > ids[-1] and live_one["data"]["reason"] == "r0"

        q: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_sse_events, args=(live, q, 11),
                                  kwargs={"after": str(last), "target": "node:a",
                                          "types": "maintenance.entered,maintenance.exited"},
                                  daemon=True)
        reader.start()
        assert q.get(timeout=10) == ("status", 200)
        replay = [q.get(timeout=5)[1]["id"] for _ in range(11)]
        assert replay == [*ids, live_one["id"]]
        reader.join(5)


def test_stream_needs_a_token(live):
    r = httpx.get(live.url + "/v1/events", timeout=5)
    assert r.status_code == 401
    r = httpx.get(live.url + "/v1/events", params={"after": "x"},
                  headers={"Authorization": f"Bearer {live.token}"}, timeout=5)
    assert r.status_code == 422


def test_a_websocket_with_an_event_id_or_filter_no_row_can_hold_is_refused(live):
    url = f"ws://127.0.0.1:{live.port}/v1/stream?token={live.token}"
    for query in ("&after=99999999999999999999999", "&after=²", "&target=node:a%00"):
        with pytest.raises(InvalidStatus) as refused:  # answered as /v1/events would be
            connect(url + query, open_timeout=5).close()
        assert refused.value.response.status_code == 422
        assert json.loads(refused.value.response.body)["errors"][0]["field"] in (
            "after", "target")
    with connect(url + "&after=9223372036854775807", open_timeout=5) as ws:
        ws.ping().wait(5)  # the largest event id is still a fine place to resume from
