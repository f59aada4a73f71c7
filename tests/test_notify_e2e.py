"""Notifications survive a crash: a server killed (SIGKILL) after a change committed and
while its notification was on the wire delivers it after restart."""

from __future__ import annotations

import time

from tests.live import LiveServer
from tests.receivers import HttpReceiver

SECRET = "whsec-0123456789abcdef"


def _wait_for(check, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_notification_in_flight_when_the_server_is_killed_is_delivered_after_restart(
        tmp_path):
    receiver = HttpReceiver(hang_s=30)
    receiver.plan.append("hang")  # the first send never gets an answer
    server = LiveServer(tmp_path, PITSTOP_NOTIFY_BACKOFF_BASE_S="0.2").start()
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        with server.client() as http:
            r = http.post("/v1/channels", headers=auth, json={
                "name": "hook", "kind": "webhook", "url": receiver.url, "secret": SECRET,
                "timeout_s": 5})
            assert r.status_code == 201, r.text
            r = http.post("/v1/subscriptions", headers=auth, json={"channel": r.json()["id"]})
            assert r.status_code == 201, r.text
            r = http.post("/v1/targets/platform/maintenance/enter", json={"reason": "upgrade"})
            assert r.status_code == 200, r.text
        _wait_for(lambda: receiver.requests)  # the send is in flight...
        server.kill()  # ...when the machine dies
        server.start()
        [delivered] = _wait_for(receiver.accepted)
        assert delivered.json()["kind"] == "maintenance_entered"
        assert delivered.signature_ok(SECRET)
        first = receiver.requests[0]
        assert first.headers["x-pitstop-delivery"] == delivered.headers["x-pitstop-delivery"]
        with server.client() as http:
            [row] = http.get("/v1/deliveries", headers=auth).json()["items"]
        assert (row["status"], row["attempts"]) == ("delivered", 1)
    finally:
        server.stop()
        receiver.close()
