"""The real day: a fleet agent heartbeats its work, its machine dies (kill -9), and a deploy
that waits for the drain still completes once the node is offline, without anyone's help."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live import LiveServer, alive, until

AGENT = Path(__file__).parent.parent / "examples" / "fleet_agent" / "agent.py"


@pytest.fixture
def fast_fleet(tmp_path):
    """A server whose agents poll every second: a node is offline after 3 s unseen."""
    server = LiveServer(tmp_path, PITSTOP_AGENT_POLL_INTERVAL_S="1").start()
    yield server
    server.stop()


def _pids(state: Path) -> dict[str, int]:
    try:
        return json.loads(state.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


WAITS = {
    "enter": (["enter", "platform", "--reason", "deploy", "--wait", "20s"],
              "platform is safe to deploy"),
    "deploy": (["deploy", "--reason", "release 45", "--timeout", "20s", "--", sys.executable,
                "-c", "pass"], "platform left maintenance"),
}


@pytest.mark.parametrize("how", sorted(WAITS))
def test_a_wait_for_the_drain_completes_once_a_killed_agents_node_goes_offline(
        fast_fleet, tmp_path, how):
    live = fast_fleet
    command, said = WAITS[how]
    state = tmp_path / "agent.json"
    with live.client() as http:
        token = http.post("/v1/nodes", json={"name": "edge-1"}).json()["token"]
        http.put("/v1/nodes/edge-1/config", json={"workloads": [
            {"name": f"w{i}", "command": ["sleep", "3600"]} for i in range(2)]})
        agent = subprocess.Popen([sys.executable, str(AGENT), "--url", live.url, "--token",
                                  token, "--state", str(state)], cwd=tmp_path)
        try:
            until(lambda: len(http.get("/v1/nodes/edge-1").json()["running"]) == 2, 15)
            workloads = _pids(state)
            os.kill(agent.pid, signal.SIGKILL)  # the machine dies: nothing reports again
            agent.wait(10)
            started = time.monotonic()
            r = live.cli(*command)
            took = time.monotonic() - started
        finally:
            if agent.poll() is None:
                agent.kill()
                agent.wait(10)
            for pid in _pids(state).values():  # the dead agent's children live on
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
        assert r.returncode == 0, r.stdout + r.stderr
        assert said in r.stdout
        assert took < 10, f"took {took:.1f} s"
        assert len(workloads) == 2
        lost = http.get("/v1/history", params={"action": "lease.lost"}).json()["items"]
        assert sorted(row["details"]["workload"]["workload"] for row in lost) == ["w0", "w1"]
        assert all("node edge-1 offline" in row["reason"] for row in lost)
        assert http.get("/v1/nodes/edge-1").json()["health"] == "offline"
