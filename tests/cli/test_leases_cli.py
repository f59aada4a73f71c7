"""``pitstop leases`` and the drain display against a real server: what is in flight, who
holds it, how to release it."""

from __future__ import annotations

import json

import httpx
import pytest

RUNNING = [{"workload": "shipper", "started_at": "2026-03-01T11:00:00Z"},
           {"workload": "metrics", "started_at": "2026-03-01T11:30:00Z"}]


@pytest.fixture
def busy(live):
    """A lease held by runner-7 on service:api, and node edge-1 reporting two workloads
    (its agent polls every 600 s: it stays online through the test)."""
    with live.client() as http:
        http.put("/v1/targets/service:api", json={"labels": {}})
        lease = http.post("/v1/leases", json={"target": "service:api", "kind": "build",
                                               "holder": "runner-7"}).json()
        token = http.post("/v1/nodes", json={"name": "edge-1"}).json()["token"]
        http.put("/v1/nodes/edge-1/config", json={"workloads": [], "poll_interval_s": 600})
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}) as agent:
        assert agent.post("/v1/agent/heartbeat", json={"running": RUNNING}).status_code == 200
    return lease["id"]


def test_leases_list_shows_holders_nodes_kinds_and_targets(live, busy):
    r = live.cli("leases", "list")  # no terminal: rows whole, not folded at 80 columns
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["id", "holder/node", "kind", "target", "age", "heartbeat"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows[busy][1:4] == ["runner-7", "build", "service:api"]
    assert rows["node:edge-1/shipper"][1:5] == ["node", "edge-1", "workload", "node:edge-1"]
    assert "node:edge-1/metrics" in rows
    only = json.loads(live.cli("leases", "list", "--target", "node:edge-1", "--json").stdout)
    assert [(i["id"], i["reported"]) for i in only["items"]] == [
        ("node:edge-1/shipper", True), ("node:edge-1/metrics", True)]
    assert "nothing in flight on node:other" in live.cli(
        "leases", "list", "--target", "node:other").stdout


def test_leases_release_is_for_admins_and_audited(live, busy):
    operator = json.loads(live.cli("token", "create", "ops", "--role", "operator",
                                   "--json").stdout)["token"]
    refused = live.cli("leases", "release", busy, "--reason", "runner died",
                       PITSTOP_TOKEN=operator)
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "role operator" in refused.stderr and "admin" in refused.stderr
    r = live.cli("leases", "release", busy, "--reason", "runner died")
    assert r.returncode == 0, r.stderr
    assert "released" in r.stdout and "runner-7" in r.stdout
    r = live.cli("leases", "release", "node:edge-1/shipper", "--reason", "stuck", "--json")
    assert json.loads(r.stdout)["released_by"] == "admin"
    left = json.loads(live.cli("leases", "list", "--json").stdout)["items"]
    assert [i["id"] for i in left] == ["node:edge-1/metrics"]
    rows = json.loads(live.cli("history", "--action", "lease.force_released",
                               "--json").stdout)["items"]
    assert [(row["actor"], row["reason"], row["target"]) for row in rows] == [
        ("admin", "stuck", "node:edge-1"), ("admin", "runner died", "service:api")]
    again = live.cli("leases", "release", busy, "--reason", "again")
    assert again.returncode == 1 and "ended already" in again.stderr


def test_a_wait_that_times_out_names_what_blocks_and_how_to_release_it(live, busy):
    r = live.cli("enter", "platform", "--reason", "deploy", "--wait", "1s")
    assert r.returncode == 3
    assert "timed out after 1s: 3 still in flight" in r.stderr
    assert "runner-7" in r.stderr and busy in r.stderr
    assert "node edge-1" in r.stderr and "node:edge-1/shipper" in r.stderr
    assert "see `pitstop leases list --target platform`" in r.stderr
    assert "pitstop leases release ID --reason" in r.stderr
    # In a log (no terminal) the first progress line already names them.
    assert "runner-7" in r.stdout
