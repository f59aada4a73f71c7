"""Notifications survive a crash: a server killed (SIGKILL) after a change committed and
while its notification was on the wire delivers it after restart, in order, repeated at most
once."""

from __future__ import annotations

import time
from collections import deque

from tests.live import LiveServer, until
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


def _toggle_platform(http, auth: dict[str, str], times: int) -> None:
    for i in range(times):
        for action, reason in (("enter", f"round {i}"), ("exit", "done")):
            r = http.post(f"/v1/targets/platform/maintenance/{action}", headers=auth,
                          json={"reason": reason})
            assert r.status_code == 200, r.text


def test_a_kill_during_retries_keeps_the_order_and_repeats_at_most_one_notification(
        tmp_path, database_url):
    receiver = HttpReceiver(hang_s=30)
    receiver.plan.extend([500] * 100_000)  # down while the platform is toggled
    server = LiveServer(tmp_path, database_url, PITSTOP_NOTIFY_BACKOFF_BASE_S="0.05",
                        PITSTOP_NOTIFY_BACKOFF_MAX_S="0.2",
                        PITSTOP_NOTIFY_MAX_ATTEMPTS="100").start()
    try:
        auth = {"Authorization": f"Bearer {server.token}"}
        with server.client() as http:
            r = http.post("/v1/channels", headers=auth, json={
                "name": "hook", "kind": "webhook", "url": receiver.url, "secret": SECRET,
                "timeout_s": 2})
            r = http.post("/v1/subscriptions", headers=auth, json={"channel": r.json()["id"]})
            assert r.status_code == 201, r.text
            _toggle_platform(http, auth, 10)
            rows = http.get("/v1/deliveries", headers=auth).json()["items"]
        facts = [d["key"] for d in sorted(rows, key=lambda d: d["event"])]
        assert len(facts) == 20
        receiver.plan = deque(["hold", 500, 500, 500])  # back up, slowly, then failing again
        until(lambda: not receiver.plan or receiver.plan[0] != "hold", within=10)
        server.kill()  # while the held notification is on the wire...
        receiver.release.set()  # ...which the receiver then accepts
        server.start()
        keys = lambda: [r.headers["x-pitstop-delivery"] for r in receiver.accepted()]  # noqa: E731
        until(lambda: set(keys()) == set(facts), within=60)
        got = keys()
        assert list(dict.fromkeys(got)) == facts  # every fact, in the order of the facts
        assert len(got) - len(facts) <= 1  # one crash: at most one repeat, with the same key
        assert receiver.accepted()[-1].json()["kind"] == "maintenance_exited"
        with server.client() as http:
            assert http.get("/health").json()["maintenanceMode"] is False
            rows = http.get("/v1/deliveries", headers=auth).json()["items"]
        assert {d["status"] for d in rows} == {"delivered"}
    finally:
        server.stop()
        receiver.close()
