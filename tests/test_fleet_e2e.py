"""The example fleet agent against a real server: node maintenance stops exactly that node's
subprocess workloads — at once when pushed, within a poll interval when polling — and
restarts them on exit; the drain turns safe when the agent reports nothing running."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.live import alive

AGENT = Path(__file__).parent.parent / "examples" / "fleet_agent" / "agent.py"
SLEEP = ["sleep", "3600"]


def _pids(state: Path) -> dict[str, int]:
    try:
        return json.loads(state.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _until(predicate: Callable[[], bool], timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"not within {timeout} s")


def _start_agent(live, token: str, state: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(AGENT), "--url", live.url, "--token", token,
                             "--state", str(state), *extra], cwd=live.workdir)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(10)


def _register(http: httpx.Client, name: str, workloads: int) -> str:
    token = http.post("/v1/nodes", json={"name": name, "labels": {"region": "eu"}}).json()
    config = {"workloads": [{"name": f"w{i}", "command": SLEEP} for i in range(workloads)],
              "poll_interval_s": 2, "log_level": "info"}
    assert http.put(f"/v1/nodes/{name}/config", json=config).status_code == 200
    return str(token["token"])


def test_node_maintenance_stops_and_restarts_only_that_nodes_workloads(live, tmp_path):
    with live.client() as http:
        token_a, token_b = _register(http, "edge-1", 3), _register(http, "edge-2", 1)
        a_state, b_state = tmp_path / "a.json", tmp_path / "b.json"
        agent_a = _start_agent(live, token_a, a_state)
        agent_b = _start_agent(live, token_b, b_state)
        try:
            _until(lambda: len(_pids(a_state)) == 3 and len(_pids(b_state)) == 1, 15)
            first = _pids(a_state)
            b_pid = _pids(b_state)["w0"]
            _until(lambda: len(http.get("/v1/nodes/edge-1").json()["running"]) == 3, 5)

            r = http.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "swap disk"})
            assert r.json()["running_workloads"] == 3
            took = _until(lambda: not _pids(a_state), 5)
            assert took < 1.0, f"pushed stop took {took:.2f} s"
            assert not any(alive(pid) for pid in first.values())
            assert alive(b_pid) and _pids(b_state) == {"w0": b_pid}
            _until(lambda: http.get("/v1/nodes/edge-1").json()["drain"]["safe_to_deploy"], 2)

            http.post("/v1/nodes/edge-1/maintenance/exit", json={"reason": "disk swapped"})
            _until(lambda: len(_pids(a_state)) == 3, 2)
            assert set(_pids(a_state).values()).isdisjoint(first.values())
        finally:
            _stop(agent_a)
        assert not _pids(a_state)  # the agent stops its workloads when it stops

        agent_a = _start_agent(live, token_a, a_state, "--no-push")
        try:
            _until(lambda: len(_pids(a_state)) == 3, 15)
            http.post("/v1/nodes/edge-1/maintenance/enter", json={"reason": "again"})
            took = _until(lambda: not _pids(a_state), 5)
            assert took <= 2.5, f"polling stop took {took:.2f} s (poll interval 2 s)"
            assert alive(b_pid)
        finally:
            _stop(agent_a)
            _stop(agent_b)
