"""`pitstop deploy` and `work run` undo exactly what they did, on every way out, and never
end a maintenance someone else entered; the CLI says what state it leaves the target in."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import pytest

from tests.faults import TcpProxy
from tests.live import until


def platform(live) -> dict:
    return json.loads(live.cli("status", "platform", "--json").stdout)


def holders(live) -> list[tuple[str, str | None]]:
    causes = platform(live)["causes"]
    return [(h["actor"], h["hold"]) for h in causes[0]["holders"]] if causes else []


def test_deploy_leaves_a_maintenance_entered_by_hand_as_it_found_it(live):
    r = live.cli("enter", "platform", "--reason", "manual db migration, do not exit")
    assert r.returncode == 0, r.stderr
    r = live.cli("deploy", "--reason", "release 45", "--", sys.executable, "-c", "pass")
    assert r.returncode == 0, r.stderr
    assert "your hold was added" in r.stdout
    assert "stays in maintenance, held by" in r.stdout
    assert "manual db migration, do not exit" in r.stdout
    assert platform(live)["in_maintenance"] is True
    assert len(holders(live)) == 1 and holders(live)[0][1] is None  # the hand-made hold
    rows = json.loads(live.cli("history", "--json").stdout)["items"]
    assert [r["action"] for r in rows[:3]] == ["maintenance.left", "maintenance.joined",
                                               "maintenance.entered"]


def test_a_command_that_is_not_found_exits_127_and_ends_the_deploys_hold(live):
    r = live.cli("deploy", "--reason", "release 46", "--", "/nonexistent/cmd")
    assert r.returncode == 127
    assert "command not found: /nonexistent/cmd" in r.stderr
    assert "platform left maintenance" in r.stdout
    assert platform(live)["in_maintenance"] is False


def test_a_failed_command_kept_in_maintenance_says_how_to_end_the_hold(live):
    r = live.cli("deploy", "--reason", "bad release", "--keep-on-failure", "--",
                 sys.executable, "-c", "import sys; sys.exit(9)")
    assert r.returncode == 9
    assert "stays in maintenance under hold deploy-" in r.stderr
    hold = r.stderr.split("under hold ")[1].split(";")[0]
    assert platform(live)["in_maintenance"] is True
    assert f"hold {hold}" in live.cli("status", "platform").stdout  # named where people look
    r = live.cli("exit", "platform", "--hold", hold, "--reason", "rolled back")
    assert r.returncode == 0, r.stderr
    assert platform(live)["in_maintenance"] is False


def test_unhealthy_after_deploy_stays_and_names_the_hold(live):
    r = live.cli("deploy", "--reason", "r", "--health-url", "http://127.0.0.1:9/health",
                 "--health-timeout", "1s", "--", sys.executable, "-c", "pass")
    assert r.returncode == 4
    assert "stays in maintenance under hold deploy-" in r.stderr
    assert platform(live)["in_maintenance"] is True


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_deploy_stopped_mid_command_stops_it_and_ends_only_its_own_hold(
        live, tmp_path, signum, code):
    live.cli("enter", "platform", "--reason", "manual db migration, do not exit")
    started, stopped = tmp_path / "started", tmp_path / "stopped"
    script = ("import pathlib, signal, sys, time\n"
              f"signal.signal(signal.SIGTERM, lambda *a: (pathlib.Path(r'{stopped}')"
              ".write_text('x'), sys.exit(1)))\n"
              f"pathlib.Path(r'{started}').write_text('x')\n"
              "time.sleep(60)\n")
    deploy = subprocess.Popen(
        [sys.executable, "-m", "pitstop", "deploy", "--reason", "release 47", "--",
         sys.executable, "-c", script],
        env=live.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    until(started.exists, within=20)
    assert len(holders(live)) == 2
    deploy.send_signal(signum)
    out, err = deploy.communicate(timeout=30)
    assert deploy.returncode == code, err
    if signum == signal.SIGTERM:
        assert stopped.exists()  # the command was told to stop, and did
    assert f"deploy interrupted by {signal.Signals(signum).name}" in err
    assert "stays in maintenance, held by" in out
    assert platform(live)["in_maintenance"] is True
    assert all(hold is None for _, hold in holders(live))


def test_work_run_stopped_by_sigterm_releases_its_lease(live, tmp_path):
    started = tmp_path / "started"
    worker = subprocess.Popen(
        [sys.executable, "-m", "pitstop", "work", "run", "--kind", "build", "--",
         sys.executable, "-c",
         f"import pathlib, time; pathlib.Path(r'{started}').write_text('x'); time.sleep(60)"],
        env=live.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    until(started.exists, within=20)
    headers = {"Authorization": f"Bearer {live.token}"}

    def in_flight() -> int:
        return httpx.get(f"{live.url}/v1/targets/platform/drain",
                         headers=headers).json()["in_flight"]

    assert in_flight() == 1
    worker.send_signal(signal.SIGTERM)
    _, err = worker.communicate(timeout=30)
    assert worker.returncode == 143
    assert "the lease was released" in err
    assert in_flight() == 0


def test_a_deploy_that_loses_pitstop_while_waiting_names_the_hold_it_leaves(live, tmp_path):
    """pitstop goes away mid-wait: the deploy runs nothing, tries to release its hold, and
    since it cannot, says which hold is left and how to end it."""
    lease = httpx.post(f"{live.url}/v1/leases", headers={"Authorization": f"Bearer {live.token}"},
                       json={"target": "platform", "kind": "job", "holder": "w", "ttl_s": 600})
    assert lease.status_code == 201
    with TcpProxy(live.port) as proxy:
        deploy = subprocess.Popen(
            [sys.executable, "-m", "pitstop", "deploy", "--reason", "release 48", "--timeout",
             "60s", "--", sys.executable, "-c", f"open(r'{tmp_path / 'ran'}', 'w')"],
            env=live.env(PITSTOP_URL=f"http://127.0.0.1:{proxy.port}"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        until(lambda: len(holders(live)) == 1, within=20)  # entered, now waiting
        proxy.cut()
        out, err = deploy.communicate(timeout=30)
    assert deploy.returncode == 1, out + err
    assert not (tmp_path / "ran").exists()
    hold = holders(live)[0][1]
    assert hold and hold.startswith("deploy-")
    assert f"could not release hold {hold} on platform" in err
    assert f"pitstop exit platform --hold {hold}" in err
    r = live.cli("exit", "platform", "--hold", hold, "--reason", "pitstop was away")
    assert r.returncode == 0, r.stderr
    assert platform(live)["in_maintenance"] is False
