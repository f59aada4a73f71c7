"""Issue 16's acceptance, against a real server and the real CLI: a roll over six nodes
with --max-unavailable 2 never has more than two of them in maintenance (counted from the
audit history), runs its command once per node, stops on a failing health check (that
node stays in maintenance under the roll's hold), and `pitstop roll resume` finishes it
without running the command twice."""

from __future__ import annotations

import json
import shlex

import httpx

NODES = [f"n{i}" for i in range(1, 7)]
MOVES = {"node.maintenance_entered": 1, "node.maintenance_exited": -1}


def _api(live) -> httpx.Client:  # type: ignore[no-untyped-def]
    return httpx.Client(base_url=live.url, timeout=30,
                        headers={"Authorization": f"Bearer {live.token}"})


def _most_in_maintenance(http: httpx.Client) -> tuple[int, dict[str, int]]:
    """The most nodes in maintenance at once, replaying the audit history in order; and
    how many times each node entered."""
    items = http.get("/v1/history", params={"limit": 500}).json()["items"]
    down: set[str] = set()
    most, entered = 0, dict.fromkeys(NODES, 0)
    for row in sorted(items, key=lambda r: r["id"]):
        if row["action"] not in MOVES:
            continue
        node = row["target"].split(":", 1)[1]
        if MOVES[row["action"]] > 0:
            down.add(node)
            entered[node] += 1
        else:
            down.discard(node)
        most = max(most, len(down))
    return most, entered


def test_a_roll_keeps_to_its_limit_stops_on_a_failed_check_and_resumes(live, tmp_path):
    ran, broken = tmp_path / "ran.log", tmp_path / "broken-n4"
    broken.touch()
    with _api(live) as http:
        for name in NODES:
            r = http.post("/v1/nodes", json={"name": name, "labels": {"rack": "b"}})
            assert r.status_code == 201, r.text
        http.post("/v1/nodes", json={"name": "other", "labels": {"rack": "a"}})
        first = live.cli(
            "roll", "--selector", "rack=b", "--max-unavailable", "2", "--reason",
            "kernel 6.12", "--check-cmd",
            f"test ! -e {shlex.quote(str(tmp_path))}/broken-{{node}}",
            "--check-retries", "1", "--drain-timeout", "30s", "--",
            "sh", "-c", f"echo {{node}} >> {shlex.quote(str(ran))}")
        assert first.returncode == 1, first.stdout + first.stderr
        assert "roll 1 stopped: n4: health check failed" in first.stderr
        assert "resume with: pitstop roll resume 1" in first.stderr
        assert "node:n4 stays in maintenance under hold roll-1" in first.stdout
        roll = http.get("/v1/rolls/1").json()
        assert roll["status"] == "failed" and roll["in_maintenance"] == ["n4"]
        assert {s["node"]: s["status"] for s in roll["steps"]}["n4"] == "failed"
        assert http.get("/v1/nodes/n4").json()["in_maintenance"] is True
        assert http.get("/v1/nodes/n5").json()["in_maintenance"] is False

        broken.unlink()
        resumed = live.cli("roll", "resume", "1", "--check-retries", "1")
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        assert "n4] its command succeeded before; checking its health again" in resumed.stdout
        assert "roll 1 done: 6/6 nodes" in resumed.stdout

        assert sorted(ran.read_text().split()) == NODES  # once per node, n4 included
        most, entered = _most_in_maintenance(http)
        assert 1 <= most <= 2
        # n4 stayed in maintenance under the roll's hold across the stop: entered once.
        assert entered == dict.fromkeys(NODES, 1)
        assert not any(n["in_maintenance"] for n in http.get("/v1/nodes").json()["items"])
        listed = live.cli("roll", "list", "--json")
        assert [(r["id"], r["status"]) for r in json.loads(listed.stdout)] == [(1, "done")]
        status = live.cli("roll", "status", "1")
        assert "roll 1: done — 6/6 done" in status.stdout
        assert all(f"{n} " in status.stdout for n in NODES)


def test_a_budget_refuses_a_manual_enter_and_an_admin_forces_it(live):
    with _api(live) as http:
        for name in ("db-1", "db-2"):
            http.post("/v1/nodes", json={"name": name, "labels": {"role": "db"}})
    assert live.cli("budgets", "set", "role=db", "--max-unavailable", "1").returncode == 0
    assert "role=db" in live.cli("budgets", "list").stdout
    assert live.cli("nodes", "enter", "db-1", "--reason", "kernel").returncode == 0
    refused = live.cli("nodes", "enter", "db-2", "--reason", "kernel")
    assert refused.returncode == 1
    assert "disruption budget role=db allows 1 node" in refused.stderr
    assert "node:db-1" in refused.stderr
    forced = live.cli("nodes", "enter", "db-2", "--reason", "disk dying", "--force")
    assert forced.returncode == 0, forced.stderr
    with _api(live) as http:
        rows = http.get("/v1/history", params={"target": "node:db-2"}).json()["items"]
        assert rows[0]["details"]["budget_overridden"]["budget"]["key"] == "role=db"
    assert live.cli("budgets", "remove", "role=db").returncode == 0
    assert "role=db" not in live.cli("budgets", "list").stdout
