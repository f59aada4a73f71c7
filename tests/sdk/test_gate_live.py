"""The Gate against a real server: it converges on a toggle through the stream, keeps its
state across a server restart from its file, and answers by its policy while the server is
down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pitstop.sdk import Client, FrozenClock, InMaintenance
from pitstop.sdk.gate import Gate
from tests.live import LiveServer, until

STALE = 6.0  # seconds: the state file is fresh enough at first, stale once it is advanced


def _client(server: LiveServer) -> Client:
    return Client(server.url, server.token)


def test_the_gate_follows_a_toggle_through_the_stream(server, tmp_path):
    api = _client(server)
    api.put_target("node:a")
    with Gate(["node:a"], client=_client(server), state_file=tmp_path / "g.json") as gate:
        until(lambda: gate.health()["mode"] == "stream")
        assert gate.allows("node:a")
        api.enter("platform", "db upgrade")
        until(lambda: not gate.allows("node:a"), within=1.0)
        check = gate.check("node:a")
        assert (check.allowed, check.reason, check.source, check.stale) == (
            False, "db upgrade", "platform", False)
        api.exit("platform", "done")
        until(lambda: gate.allows("node:a"), within=1.0)
        with pytest.raises(InMaintenance):  # the lease stays the authority
            api.enter("node:a", "disk")
            with gate.work("node:a", "job", 30):
                pass


def test_state_survives_a_restart_and_the_policy_answers_while_down(server, tmp_path):
    api = _client(server)
    api.put_target("node:a")
    api.enter("node:a", "swap disk")
    state = tmp_path / "gate.json"
    clock = FrozenClock()
    with Gate(["node:a"], client=_client(server), state_file=state, clock=clock) as gate:
        until(lambda: gate.health()["mode"] == "stream")
        assert not gate.allows("node:a")
    server.stop()
    # Restarted workers know the last state before they reach the server.
    gates = {policy: Gate(["node:a"], client=_client(server), state_file=state,
                          fail_open=policy, stale_after_s=STALE, poll_interval_s=0.2,
                          clock=clock).start()
             for policy in (True, False)}
    try:
        clock.block_until(2)  # both have failed to reach it and wait to poll again
        for gate in gates.values():
            check = gate.check("node:a")
            assert (check.allowed, check.reason, check.stale) == (False, "swap disk", True)
        clock.advance(STALE)  # as old as stale_after_s: still the last state read
        clock.block_until(2)
        assert all(g.check("node:a").reason == "swap disk" for g in gates.values())
        # Beyond stale_after_s with the server still down, the policy answers.
        clock.advance(1)
        clock.block_until(2)
        for policy, gate in gates.items():
            check = gate.check("node:a")
            assert check.allowed is policy and check.stale and check.reason != "swap disk"
            assert check.age_s == STALE + 1
            assert gate.health()["mode"] == "poll" and gate.health()["policy"]
    finally:
        for gate in gates.values():
            gate.close()
    server.start()
    with Gate(["node:a"], client=_client(server), state_file=state, fail_open=True,
              stale_after_s=1.0, clock=clock) as gate:
        until(lambda: gate.health()["mode"] == "stream")
        assert not gate.allows("node:a") and not gate.check("node:a").stale


def test_a_decorated_job_runs_under_a_lease_and_is_refused_in_maintenance(server):
    api = _client(server)
    api.put_target("node:a")
    ran = []
    with Gate(["node:a"], client=_client(server)) as gate:
        until(lambda: gate.health()["mode"] == "stream")

        @gate.job("node:a", "report", expected_duration=30)
        def build(n: int) -> int:
            ran.append(api.list_leases("node:a"))
            return n * 2

        assert build(21) == 42
        assert len(ran[0]["items"]) == 1  # it ran holding a lease
        assert api.list_leases("node:a")["items"] == []  # released after
        api.enter("node:a", "kernel patch")
        until(lambda: not gate.allows("node:a"), within=1.0)
        with pytest.raises(InMaintenance, match="kernel patch"):
            build(1)
        assert len(ran) == 1


def test_a_worker_token_follows_the_stream_including_a_window_pause(server):
    api = _client(server)
    api.put_target("service:api")
    worker = api.create_token("runner", "worker")["token"]
    with Gate(["service:api"], client=Client(server.url, worker)) as gate:
        until(lambda: gate.health()["mode"] == "stream")  # a worker may follow the stream
        start = (datetime.now(UTC) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S")
        window = api.create_window(title="Failover test", start=start, timezone="UTC",
                                   duration="PT1H", affects=[{"selector": "service:api"}])
        until(lambda: not gate.allows("service:api", expected_duration=3600), within=1.0)
        assert gate.check("service:api", 3600).soon
        assert gate.allows("service:api", expected_duration=60)
        api.update_window(window["id"], status="PAUSED")  # a paused window does not refuse ahead
        until(lambda: gate.allows("service:api", expected_duration=3600), within=1.0)


def test_a_worker_hears_only_the_events_that_change_a_gate(server):
    api = _client(server)
    worker = api.create_token("runner", "worker")["token"]
    api.create_token("someone", "viewer")  # token.created: not for a worker
    api.enter("platform", "db upgrade")
    types = []
    with httpx.stream("GET", server.url + "/v1/events", params={"after": "0"},
                      headers={"Authorization": f"Bearer {worker}"}, timeout=5) as heard:
        assert heard.status_code == 200
        for line in heard.iter_lines():  # the log replayed in order, then the live tail
            if line.startswith("event: "):
                types.append(line[7:])
            if "maintenance.entered" in types:
                break
    assert "token.created" not in types  # created before the switch, so replayed first


async def test_async_work_holds_a_lease_and_an_async_job_is_refused_in_maintenance(server):
    api = _client(server)
    api.put_target("node:a")
    gate = Gate(["node:a"], client=_client(server)).start()
    try:
        until(lambda: gate.health()["mode"] == "stream")
        async with gate.work("node:a", "sync", 30) as lease:
            await lease.set_phase("copying")
            held = api.list_leases("node:a")["items"]
            assert [(i["kind"], i["phase"]) for i in held] == [("sync", "copying")]
        assert api.list_leases("node:a")["items"] == []  # released on exit

        @gate.job("node:a", "report", expected_duration=30)
        async def report() -> int:
            return len(api.list_leases("node:a")["items"])

        assert await report() == 1  # it ran holding its lease
        api.enter("node:a", "kernel patch")
        until(lambda: not gate.allows("node:a"), within=1.0)
        with pytest.raises(InMaintenance, match="kernel patch"):
            await report()
        with pytest.raises(InMaintenance, match="kernel patch"):  # the server refuses too
            async with gate.work("node:a", "sync", 30):
                pass
    finally:
        gate.close()


def test_a_target_watched_later_is_read_at_once_and_followed(server):
    api = _client(server)
    api.put_target("node:a")
    api.put_target("node:b")
    api.enter("node:b", "disk swap")
    with Gate(["node:a"], client=_client(server), fail_open=True) as gate:
        until(lambda: gate.health()["mode"] == "stream")
        assert gate.allows("node:b")  # never read: the fail-open policy answers
        assert gate.check("node:b").stale
        gate.watch("node:b")
        assert not gate.allows("node:b") and gate.check("node:b").reason == "disk swap"
        api.exit("node:b", "swapped")
        until(lambda: gate.allows("node:b"), within=1.0)  # followed on the stream
        assert not gate.check("node:b").stale


class _NoStreaming(httpx.HTTPTransport):
    """A proxy that will not pass Server-Sent Events: the stream answers 502."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/events":
            return httpx.Response(502, text="streaming not allowed here")
        return super().handle_request(request)


def test_without_streaming_the_gate_polls_and_says_its_answers_are_stale(server):
    api = _client(server)
    api.put_target("node:a")
    clock = FrozenClock()
    blocked = Client(server.url, server.token, transport=_NoStreaming(), clock=clock)
    with Gate(["node:a"], client=blocked, poll_interval_s=0.3, stale_after_s=30) as gate:
        clock.block_until(1)  # the stream was refused: it waits to poll
        assert gate.health()["mode"] == "poll"
        assert gate.allows("node:a")
        api.enter("node:a", "firmware")
        assert gate.allows("node:a")  # not polled yet: it cannot know
        clock.advance(0.5)  # the first backoff: it polls
        clock.block_until(1)
        assert not gate.allows("node:a")
        clock.advance(0.1)  # less than a poll interval: no read since
        check = gate.check("node:a")
        assert (check.allowed, check.reason, check.stale) == (False, "firmware", True)
        assert check.age_s == pytest.approx(0.1)
        health = gate.health()
        assert health["stale"] and not health["policy"]  # polled recently: within the limit
