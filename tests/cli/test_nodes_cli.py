"""``pitstop nodes`` against a real server."""

from __future__ import annotations

import json

import httpx


def test_nodes_create_config_enter_exit_rotate_delete(live, tmp_path):
    created = json.loads(live.cli("nodes", "create", "edge-1", "--label", "region=eu",
                                  "--json").stdout)
    token = created["token"]
    config = tmp_path / "edge.json"
    config.write_text(json.dumps({"workloads": ["shipper"], "poll_interval_s": 15}))
    assert live.cli("nodes", "config", "set", "edge-1", str(config)).returncode == 0
    agent = httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"})
    assert agent.get("/v1/agent/config").json() == {"workloads": ["shipper"],
                                                    "poll_interval_s": 15}
    entered = live.cli("nodes", "enter", "edge-1", "--reason", "swap disk")
    assert entered.returncode == 0 and "entered maintenance" in entered.stdout
    assert agent.get("/v1/agent/config").json()["workloads"] == []
    listed = live.cli("nodes", "list")
    assert "edge-1" in listed.stdout and "MAINTENANCE" in listed.stdout
    shown = json.loads(live.cli("nodes", "show", "edge-1", "--json").stdout)
    assert shown["health"] == "online" and shown["in_maintenance"] is True
    assert live.cli("nodes", "exit", "edge-1", "-r", "done").returncode == 0
    rotated = json.loads(live.cli("nodes", "rotate-token", "edge-1", "--json").stdout)
    assert agent.get("/v1/agent/config").status_code == 401
    assert rotated["token"] != token
    assert live.cli("nodes", "delete", "edge-1").returncode == 0
    gone = live.cli("nodes", "show", "edge-1")
    assert gone.returncode == 1 and "not registered" in gone.stderr
    agent.close()


def test_nodes_bad_input_is_one_line(live, tmp_path):
    live.cli("nodes", "create", "edge-1")
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    r = live.cli("nodes", "config", "set", "edge-1", str(bad))
    assert r.returncode == 1 and "is not JSON" in r.stderr
    r = live.cli("nodes", "config", "set", "edge-1", str(tmp_path / "missing.json"))
    assert r.returncode == 1 and "cannot read" in r.stderr
    bad.write_text(json.dumps({"image": "x"}))
    r = live.cli("nodes", "config", "set", "edge-1", str(bad))
    assert r.returncode == 1 and "workloads" in r.stderr
    r = live.cli("nodes", "create", "Bad_Name")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    r = live.cli("nodes", "enter", "edge-1", "--reason", "x", PITSTOP_TOKEN="pst_wrong")
    assert r.returncode == 1


def test_config_show_and_set_by_selector(live, tmp_path):
    for name, rack in (("edge-1", "a"), ("edge-2", "b"), ("edge-3", "b")):
        assert live.cli("nodes", "create", name, "--label", f"rack={rack}").returncode == 0
    config = tmp_path / "rack-b.json"
    config.write_text('{"workloads": [{"name": "shipper"}], "poll_interval_s": 15}')
    r = live.cli("nodes", "config", "set", "--selector", "rack=b", str(config))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "config set on 2 node(s): edge-2, edge-3"
    shown = json.loads(live.cli("nodes", "config", "show", "edge-3").stdout)
    assert shown == {"workloads": [{"name": "shipper"}], "poll_interval_s": 15}
    assert json.loads(live.cli("nodes", "config", "show", "edge-1").stdout) == {
        "workloads": []}
    both = live.cli("nodes", "config", "set", "edge-1", str(config), "--selector", "rack=b")
    assert both.returncode == 1 and "--selector key=value FILE" in both.stderr
    none = live.cli("nodes", "config", "set", "--selector", "rack=z", str(config))
    assert none.returncode == 1 and "no registered node has the labels" in none.stderr
