"""``pitstop targets``, ``pitstop services`` and ``--version`` against a real server, and
errors that name the CLI command to run rather than an HTTP call."""

from __future__ import annotations

import json

from pitstop import __version__


def test_targets_create_list_show_relabel(live):
    created = live.cli("targets", "create", "service:shop", "-l", "tier=1", "-l", "team=web")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "service:shop created (labels team=web,tier=1)"
    rows = live.cli("targets", "list").stdout.splitlines()
    assert rows[0].split() == ["id", "maintenance", "in", "flight", "labels", "updated"]
    assert [r.split()[0] for r in rows[1:]] == ["platform", "service:shop"]
    relabelled = json.loads(live.cli("targets", "relabel", "service:shop", "-l", "tier=2",
                                     "--json").stdout)
    assert relabelled["labels"] == {"tier": "2"}
    shown = live.cli("targets", "show", "service:shop").stdout
    assert "service:shop: operational" in shown and "tier=2" in shown
    only = json.loads(live.cli("targets", "list", "--kind", "service", "--json").stdout)
    assert [t["id"] for t in only["items"]] == ["service:shop"]


def test_services_status_list_show(live):
    reported = live.cli("services", "status", "api", "down", "--message", "5xx rate 40%")
    assert reported.returncode == 0, reported.stderr
    assert reported.stdout.strip() == "api: reported DOWN, displayed DOWN"
    listed = live.cli("services", "list").stdout.splitlines()
    assert listed[1].split()[:4] == ["api", "DOWN", "DOWN", "5xx"]
    assert "api: DOWN" in live.cli("services", "show", "api").stdout


def test_errors_name_the_cli_command_to_run(live):
    entered = live.cli("enter", "service:nope", "-r", "upgrade")
    assert entered.returncode == 1
    assert entered.stderr.strip() == ("error: target 'service:nope' does not exist; create it "
                                      "with: pitstop targets create service:nope")
    missing = live.cli("services", "show", "nope")
    assert missing.returncode == 1 and "pitstop services status nope UP" in missing.stderr
    assert "/v1/" not in entered.stderr + missing.stderr


def test_node_channel_and_budget_errors_name_the_cli_command(live):
    unregistered = live.cli("nodes", "enter", "web-9", "-r", "disk")
    assert unregistered.stderr.strip() == ("error: node 'web-9' is not registered; register it "
                                           "with: pitstop nodes create web-9")
    live.cli("nodes", "create", "web-1", "--label", "rack=b")
    live.cli("nodes", "create", "web-2", "-l", "rack=b")  # -l as for targets create
    again = live.cli("nodes", "create", "web-1")
    assert "pitstop nodes rotate-token web-1" in again.stderr
    no_channel = live.cli("subscriptions", "create", "nope")
    assert "pitstop channels create" in no_channel.stderr
    live.cli("budgets", "set", "rack=b", "--max-unavailable", "1")
    live.cli("nodes", "enter", "web-1", "-r", "disk")
    over = live.cli("nodes", "enter", "web-2", "-r", "disk")
    assert over.returncode == 1 and "pitstop nodes enter web-2 --force" in over.stderr
    outputs = unregistered.stderr + again.stderr + no_channel.stderr + over.stderr
    assert "/v1/" not in outputs and "force: true" not in outputs


def test_a_missing_item_points_to_the_cli_command_that_lists_them(live):
    cases = {("budgets", "remove", "env=nope"): "see pitstop budgets list",
             ("roll", "status", "99"): "see pitstop roll list",
             ("silences", "rules", "remove", "99"): "see pitstop silences rules list",
             ("deliveries", "retry", "99"): "see pitstop deliveries list"}
    for args, words in cases.items():
        out = live.cli(*args)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert words in out.stderr and "/v1/" not in out.stderr, (args, out.stderr)


def test_version(live):
    r = live.cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"pitstop {__version__}"


def test_targets_delete_needs_a_reason_and_says_what_refers_to_the_target(live):
    live.cli("targets", "create", "service:old")
    live.cli("enter", "service:old", "-r", "retiring")
    refused = live.cli("targets", "delete", "service:old", "--reason", "retired")
    assert refused.returncode == 1
    assert "pitstop exit service:old" in refused.stderr
    live.cli("exit", "service:old", "-r", "retired")
    assert live.cli("targets", "delete", "service:old").returncode == 2  # no --reason
    done = live.cli("targets", "delete", "service:old", "--reason", "retired")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "service:old deleted"
    ids = [t["id"] for t in json.loads(live.cli("targets", "list", "--json").stdout)["items"]]
    assert ids == ["platform"]
    gone = live.cli("targets", "delete", "service:old", "--reason", "again")
    assert gone.returncode == 1
    assert gone.stderr.strip() == "error: target 'service:old' does not exist"
