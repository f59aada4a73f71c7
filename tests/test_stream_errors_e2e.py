"""What a stream client is told when it is refused, and what it sees first, with the client
libraries people use: ``websockets`` is answered with the HTTP API's problem+json (status,
Retry-After, detail naming what to change) instead of a bare 403; ``httpx-sse`` gets a real
event first, not an empty one made of the ``retry:`` line."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.live import LiveServer


def _refusal(live: LiveServer, query: str, **headers: str) -> tuple[int, Any, dict]:
    """The status, headers and problem+json body a refused WebSocket handshake gets."""
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{live.port}/v1/stream{query}", open_timeout=5,
                additional_headers=headers).close()
    response = refused.value.response
    assert response.headers["Content-Type"] == "application/problem+json"
    return response.status_code, response.headers, json.loads(response.body)


def test_a_refused_websocket_says_which_of_token_or_input_is_wrong(live):
    status, _, missing = _refusal(live, "")
    assert status == 401 and missing["detail"].startswith("missing token")
    assert "Authorization: Bearer" in missing["detail"]
    status, headers, bad = _refusal(live, "?token=pst_not-a-token")
    assert status == 401 and bad["detail"].startswith("invalid or revoked token")
    assert headers["WWW-Authenticate"] == "Bearer"
    status, _, after = _refusal(live, f"?token={live.token}&after=abc")
    assert status == 422 and after["errors"][0]["field"] == "after"
    assert "must be an event id" in after["detail"] and "'abc'" in after["detail"]
    status, _, nul = _refusal(live, f"?token={live.token}&target=node:a%00")  # the input guard
    assert status == 422 and nul["errors"] == [
        {"field": "target", "message": "must not contain a NUL character (\\u0000)"}]
    status, _, header = _refusal(live, "", Authorization="Bearer pst_nope")
    assert status == 401 and header["instance"] == "/v1/stream"
    log = live.log.read_text()
    assert '"WebSocket /v1/stream?token=[redacted]&after=abc" 422' in log
    assert "ERROR" not in log  # a refusal is the client's mistake, not the server's


def test_a_websocket_guessing_tokens_is_told_when_to_try_again(tmp_path):
    live = LiveServer(tmp_path, PITSTOP_AUTH_FAILURES_PER_MINUTE="2").start()
    try:
        for _ in range(2):
            assert _refusal(live, "?token=pst_guess")[0] == 401
        status, headers, body = _refusal(live, "?token=pst_guess")
        assert status == 429 and body["type"] == "/problems/rate-limited"
        assert int(headers["Retry-After"]) == body["retry_after"] > 0
        assert f"try again in {body['retry_after']} s" in body["detail"]
    finally:
        live.stop()


def test_tokens_of_each_role_open_the_websocket_and_a_revoked_one_is_told(live):
    with live.client() as http:
        agent = http.post("/v1/nodes", json={"name": "a", "labels": {}})
        assert agent.status_code == 201, agent.text
        secrets = [agent.json()["token"]]
        for role in ("viewer", "worker"):
            created = http.post("/v1/tokens", json={"name": f"t-{role}", "role": role})
            assert created.status_code == 201, created.text
            secrets.append(created.json()["token"])
    for secret in secrets:
        with connect(f"ws://127.0.0.1:{live.port}/v1/stream?token={secret}",
                     open_timeout=5) as ws:
            ws.ping().wait(5)
    with live.client() as http:  # the agent's token, rotated: the old one is refused
        assert http.post("/v1/nodes/a/token/rotate").status_code == 200
    status, _, body = _refusal(live, f"?token={secrets[0]}")
    assert status == 401 and body["detail"].startswith("invalid or revoked token")


def test_httpx_sse_sees_a_real_event_first(live):
    headers = {"Authorization": f"Bearer {live.token}"}
    received: queue.Queue = queue.Queue()

    def listen() -> None:
        with httpx.Client(timeout=httpx.Timeout(10, read=30)) as client, connect_sse(
                client, "GET", live.url + "/v1/events", headers=headers) as source:
            received.put(source.response.status_code)
            for sse in source.iter_sse():
                received.put(sse)
                return

    threading.Thread(target=listen, daemon=True).start()
    assert received.get(timeout=10) == 200
    with live.client() as http:
        http.put("/v1/targets/node:a", json={})
    first = received.get(timeout=10)
    assert (first.event, first.json()["target"]) == ("target.created", "node:a"), first
    assert first.id == str(first.json()["id"]) and first.retry == 2000


def test_a_websocket_is_told_the_server_is_restarting_and_resumes_where_it_was(live):
    """SIGTERM (a deploy of pitstop itself): the client gets close code 1012, reconnects
    with ``?after=`` its last id, and misses nothing that happened meanwhile."""
    url = f"ws://127.0.0.1:{live.port}/v1/stream?token={live.token}"
    with connect(url, open_timeout=5) as ws:
        with live.client() as http:
            http.put("/v1/targets/node:a", json={})
        last = json.loads(ws.recv(timeout=10))
        assert last["type"] == "target.created"
        live.stop()
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    live.restart()
    with live.client() as http:
        http.put("/v1/targets/node:b", json={})
    with connect(f"{url}&after={last['id']}", open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=10))["target"] == "node:b"
