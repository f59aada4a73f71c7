"""The CLI in a terminal: commands, --json, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
import typer

from pitstop.cli.common import parse_duration
from pitstop.storage.migrate import head_revision


def test_status_enter_exit_round_trip(live):
    r = live.cli("enter", "platform", "--reason", "kernel upgrade")
    assert r.returncode == 0, r.stderr
    assert "platform entered maintenance" in r.stdout
    r = live.cli("status", "platform")
    assert "MAINTENANCE" in r.stdout and "kernel upgrade" in r.stdout
    data = json.loads(live.cli("status", "--json").stdout)
    assert data["items"][0]["in_maintenance"] is True
    r = live.cli("exit", "platform", "--reason", "done", "--json")
    assert json.loads(r.stdout)["changed"] is True
    rows = json.loads(live.cli("history", "--json").stdout)["items"]
    assert [row["action"] for row in rows[:2]] == ["maintenance.exited", "maintenance.entered"]
    assert "kernel upgrade" in live.cli("history").stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["enter", "platform", "--reason", " "], "reason must not be empty"),
    (["enter", "platform", "--reason", "x" * 501], "at most 500"),
    (["enter", "node:ghost", "--reason", "x"], "does not exist"),
    (["status", "rack:1"], "use 'platform'"),
])
def test_bad_input_is_one_line_and_non_zero(live, args, fragment):
    r = live.cli(*args)
    assert r.returncode == 1
    assert fragment in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_wrong_token_and_unreachable_server_are_clear(live):
    r = live.cli("status", PITSTOP_TOKEN="pst_wrong")
    assert r.returncode == 1 and "invalid or revoked token" in r.stderr
    r = live.cli("status", PITSTOP_URL="http://127.0.0.1:9")
    assert r.returncode == 1 and "cannot reach pitstop" in r.stderr


def test_work_run_passes_the_exit_code_through_and_is_refused_in_maintenance(live):
    r = live.cli("work", "run", "--kind", "job", "--", sys.executable, "-c",
                 "import sys; sys.exit(7)")
    assert r.returncode == 7
    live.cli("enter", "platform", "--reason", "maintenance night")
    r = live.cli("work", "run", "--", sys.executable, "-c", "print('ran')")
    assert r.returncode == 75
    assert "maintenance night" in r.stderr and "ran" not in r.stdout


def test_enter_wait_returns_when_running_work_finishes(live):
    worker = _worker(live, 1.5, "--kind", "build")
    _wait_in_flight(live, 1)
    r = live.cli("enter", "platform", "--reason", "deploy", "--wait", "20s")
    assert worker.wait(20) == 0
    assert r.returncode == 0, r.stderr
    assert "safe to deploy" in r.stdout


def test_enter_wait_times_out_with_exit_3(live):
    worker = _worker(live, 6)
    try:
        _wait_in_flight(live, 1)
        r = live.cli("enter", "platform", "--reason", "deploy", "--wait", "500ms")
        assert r.returncode == 3
        assert "1 still in flight" in r.stderr
    finally:
        worker.kill()


def test_deploy_runs_the_command_inside_maintenance_then_exits(live, tmp_path):
    marker = tmp_path / "deployed"
    script = ("import json, sys, urllib.request;"
              f"s = json.load(urllib.request.urlopen('{live.url}/health'));"
              f"open(r'{marker}', 'w').write(str(s['maintenanceMode']))")
    r = live.cli("deploy", "--reason", "release 42", "--health-url", f"{live.url}/health",
                 "--", sys.executable, "-c", script)
    assert r.returncode == 0, r.stderr
    assert marker.read_text() == "True"  # it ran while in maintenance
    rows = json.loads(live.cli("history", "--json").stdout)["items"]
    assert [row["action"] for row in rows[:2]] == ["maintenance.exited", "maintenance.entered"]
    assert json.loads(live.cli("status", "platform", "--json").stdout)["in_maintenance"] is False


def test_deploy_failure_exits_maintenance_unless_kept(live):
    failing = ["--", sys.executable, "-c", "import sys; sys.exit(9)"]
    r = live.cli("deploy", "--reason", "bad release", *failing)
    assert r.returncode == 9
    assert json.loads(live.cli("status", "platform", "--json").stdout)["in_maintenance"] is False
    r = live.cli("deploy", "--reason", "bad release", "--keep-on-failure", *failing)
    assert r.returncode == 9
    assert json.loads(live.cli("status", "platform", "--json").stdout)["in_maintenance"] is True


def test_deploy_does_not_run_when_never_safe(live, tmp_path):
    worker = _worker(live, 8)
    try:
        _wait_in_flight(live, 1)
        marker = tmp_path / "ran"
        r = live.cli("deploy", "--reason", "r", "--timeout", "1s", "--", sys.executable, "-c",
                     f"open(r'{marker}', 'w')")
        assert r.returncode == 3
        assert not marker.exists()
        assert "nothing was run" in r.stderr
    finally:
        worker.kill()


def test_token_commands(live):
    created = json.loads(live.cli("token", "create", "ci", "--role", "operator",
                                  "--json").stdout)
    assert created["token"].startswith("pst_")
    listed = live.cli("token", "list").stdout
    assert "ci" in listed and created["token"] not in listed
    assert live.cli("token", "revoke", created["id"]).returncode == 0
    r = live.cli("status", PITSTOP_TOKEN=created["token"])
    assert r.returncode == 1


def test_serve_refuses_bad_settings_naming_the_variable(tmp_path):
    env = {"PITSTOP_PORT": "eighty", "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "pitstop", "serve"], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "PITSTOP_PORT" in r.stderr


def test_db_upgrade_migrates_a_new_database(tmp_path):
    env = {"PITSTOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
           "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "pitstop", "db", "upgrade"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
    head = head_revision()
    assert first.returncode == 0 and f"empty -> {head}" in first.stdout
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
    assert f"already at {head}" in again.stdout


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("250ms", 0.25),
                                               ("5m", 300), ("1h30m", 5400), ("PT5M", 300),
                                               ("P1DT1H", 90000)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "PT", "-1s"])
def test_bad_durations(text):
    with pytest.raises(typer.BadParameter):
        parse_duration(text)


def _worker(live, seconds: float, *options: str) -> subprocess.Popen:
    """`pitstop work run` holding a lease while a command sleeps ``seconds``."""
    return subprocess.Popen([sys.executable, "-m", "pitstop", "work", "run", *options, "--",
                             sys.executable, "-c", f"import time; time.sleep({seconds})"],
                            env=live.env())


def _wait_in_flight(live, count: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        drain = httpx.get(f"{live.url}/v1/targets/platform/drain",
                          headers={"Authorization": f"Bearer {live.token}"}).json()
        if drain["in_flight"] >= count:
            return
        time.sleep(0.05)
    raise AssertionError("work did not start")


def test_enter_wait_logs_one_line_per_change_when_not_a_terminal(live):
    worker = _worker(live, 1.5, "--phase", "fighting")
    _wait_in_flight(live, 1)
    r = live.cli("enter", "platform", "--reason", "deploy", "--wait", "20s")
    worker.wait(20)
    lines = r.stdout.splitlines()
    assert lines[0] == "platform entered maintenance"
    assert lines[1].startswith("platform: 1 in flight · phase fighting")
    assert lines[-1] == "platform is safe to deploy"


def test_deploy_says_why_health_failed_and_stays_in_maintenance(live):
    r = live.cli("deploy", "--reason", "r", "--health-url", "http://127.0.0.1:9/health",
                 "--health-timeout", "1s", "--", sys.executable, "-c", "pass")
    assert r.returncode == 4
    assert "ConnectError" in r.stderr and "stays in maintenance" in r.stderr
    assert json.loads(live.cli("status", "platform", "--json").stdout)["in_maintenance"] is True


def test_serve_creates_an_admin_token_once_and_prints_it(tmp_path):
    from tests.live import LiveServer

    server = LiveServer(tmp_path)
    server.token = None  # type: ignore[assignment]  # no PITSTOP_ADMIN_TOKEN: one is made
    server.start()
    try:
        printed = [w for w in server.log.read_text().split() if w.startswith("pst_")]
        assert len(printed) == 1
        r = httpx.get(f"{server.url}/v1/tokens", headers={"Authorization": f"Bearer {printed[0]}"})
        assert r.status_code == 200
        server.restart()
        again = [w for w in server.log.read_text().split() if w.startswith("pst_")]
        assert again == printed  # no second token on the next start
    finally:
        server.stop()
