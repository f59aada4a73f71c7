"""``pitstop silences`` against a real server and a real Alertmanager: a rule is added with
matcher templates, entering maintenance silences the node (the served process's worker,
woken by the change), ``silences list`` shows its Alertmanager id, exiting expires it, and a
bad matcher is a one-line error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.alertmanager import AlertmanagerProcess, skip_or_fail_without_alertmanager
from tests.live import LiveServer, until


@pytest.fixture
def stack(tmp_path: Path):
    skip_or_fail_without_alertmanager()
    (tmp_path / "am").mkdir()
    am = AlertmanagerProcess(tmp_path / "am").start()
    server = LiveServer(tmp_path, PITSTOP_ALERTMANAGER_URL=am.url).start()
    yield server, am
    server.stop()
    am.stop()


def test_rules_and_silences_from_the_command_line(stack):
    live, am = stack
    made = live.cli("targets", "create", "node:db-1", "--label", "env=prod")
    assert made.returncode == 0, made.stderr
    added = live.cli("silences", "rules", "add", "prod nodes", "--selector", "env=prod",
                     "--matcher", "instance={name}:9100", "--matcher", "job=~node|db",
                     "--padding", "5m", "--json")
    assert added.returncode == 0, added.stderr
    rule = json.loads(added.stdout)
    assert rule["selector"] == {"labels": {"env": "prod"}} and rule["padding_s"] == 300
    rows = live.cli("silences", "rules", "list").stdout.splitlines()
    assert any("instance={name}:9100 job=~node|db" in r for r in rows[1:])

    assert live.cli("enter", "node:db-1", "-r", "disk swap").returncode == 0
    until(lambda: len(am.active()) == 1, within=10)
    [silence] = am.active()
    listed = json.loads(live.cli("silences", "list", "--target", "node:db-1",
                                 "--json").stdout)["items"]
    assert [s["alertmanager_id"] for s in listed] == [silence["id"]]
    piped = live.cli("silences", "list").stdout.splitlines()
    assert silence["id"] in piped[1]  # piped: whole rows, the full id

    assert live.cli("exit", "node:db-1", "-r", "done").returncode == 0
    until(lambda: am.active() == [] and len(am.silences()) == 1, within=10)

    bad = live.cli("silences", "rules", "add", "x", "--selector", "node:db-1",
                   "--matcher", "instance~x")
    assert bad.returncode != 0 and bad.stderr.startswith("error: matcher 'instance~x'")
    bad = live.cli("silences", "rules", "add", "x", "--selector", "node:db-1",
                   "--matcher", "instance={host}")
    assert bad.returncode == 1 and "unknown field '{host}'" in bad.stderr
    assert live.cli("silences", "rules", "remove", str(rule["id"])).returncode == 0
    assert live.cli("silences", "rules", "remove", str(rule["id"])).returncode == 1
