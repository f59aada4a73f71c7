"""`pitstop roll` undoes exactly what it did: stopped by a signal mid-command, it stops
every command and releases the roll's own holds, never one someone else took; a health
check by URL that fails keeps that node in maintenance under the roll's hold; bad usage is
one line and exit 1."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from tests.live import until

SCRIPT = ("import pathlib, signal, sys, time\n"
          "signal.signal(signal.SIGTERM, lambda *a: (pathlib.Path(sys.argv[2] + '.stopped')"
          ".write_text('x'), sys.exit(1)))\n"
          "pathlib.Path(sys.argv[2] + '.started').write_text(sys.argv[1])\n"
          "time.sleep(60)\n")


def _api(live) -> httpx.Client:  # type: ignore[no-untyped-def]
    return httpx.Client(base_url=live.url, timeout=30,
                        headers={"Authorization": f"Bearer {live.token}"})


def _nodes(http: httpx.Client, *names: str) -> None:
    for name in names:
        assert http.post("/v1/nodes", json={"name": name, "labels": {"rack": "b"}}
                         ).status_code == 201


def _holds(http: httpx.Client, name: str) -> list[str | None]:
    causes = http.get(f"/v1/nodes/{name}").json()["causes"]
    return [h.get("hold") for c in causes for h in c.get("holders", [])]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_roll_stopped_mid_command_stops_them_and_ends_only_its_own_holds(
        live, tmp_path, signum, code):
    with _api(live) as http:
        _nodes(http, "n1", "n2")
        http.post("/v1/nodes/n1/maintenance/enter", json={"reason": "alice: disk swap"})
        roll = subprocess.Popen(
            [sys.executable, "-m", "pitstop", "roll", "--selector", "rack=b",
             "--max-unavailable", "2", "--reason", "kernel 6.12", "--",
             sys.executable, "-c", SCRIPT, "{node}", str(tmp_path / "{node}")],
            env=live.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        until(lambda: all((tmp_path / f"{n}.started").exists() for n in ("n1", "n2")),
              within=30)
        assert _holds(http, "n1") == [None, "roll-1"]
        roll.send_signal(signum)
        out, err = roll.communicate(timeout=60)
        assert roll.returncode == code, out + err
        if signum == signal.SIGTERM:  # each command was told to stop, and did
            assert all((tmp_path / f"{n}.stopped").exists() for n in ("n1", "n2"))
        assert f"interrupted by {signal.Signals(signum).name}" in err
        assert "resume with: pitstop roll resume 1" in err
        assert _holds(http, "n1") == [None]  # alice's maintenance stays
        assert http.get("/v1/nodes/n2").json()["in_maintenance"] is False
        steps = http.get("/v1/rolls/1").json()["steps"]
        assert [s["status"] for s in steps] == ["failed", "failed"]
        assert all("interrupted" in s["message"] for s in steps)


def test_a_failing_health_url_keeps_the_node_under_the_rolls_hold(live):
    with _api(live) as http:
        _nodes(http, "n1", "n2")
        # Without a token the API answers 401: a health URL that never passes.
        done = live.cli("roll", "--selector", "rack=b", "--reason", "kernel 6.12",
                        "--check-url", f"{live.url}/v1/nodes/{{node}}", "--check-retries",
                        "2", "--check-interval", "0s", "--", "true")
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"{live.url}/v1/nodes/n1 answered HTTP 401" in done.stderr
        assert "[n1] health check 2/2" in done.stdout
        assert _holds(http, "n1") == ["roll-1"]
        assert "pitstop exit node:n1 --hold roll-1" in done.stdout
        assert http.get("/v1/rolls/1").json()["steps"][1]["status"] == "pending"
        healthy = live.cli("roll", "resume", "1", "--check-retries", "1")
        assert healthy.returncode == 1  # the check is stored with the roll: still 401
        ok = live.cli("roll", "--selector", "rack=b", "--reason", "again", "--check-url",
                      f"{live.url}/health?node={{node}}", "--", "true")
        assert ok.returncode == 0, ok.stdout + ok.stderr  # n1 stays held by roll 1 too
        assert _holds(http, "n1") == ["roll-1"]


@pytest.mark.parametrize(("args", "fragment"), [
    (["roll"], "a new roll needs --selector"),
    (["roll", "--selector", "rack=b", "--", "true"], "a new roll needs --selector, --reason"),
    (["roll", "--selector", "rack", "--reason", "x", "--", "true"], "invalid selector"),
    (["roll", "status", "x"], "'x' is not a roll id"),
    (["roll", "status", "9"], "no roll 9"),
    (["roll", "--selector", "rack=z", "--reason", "x", "--", "true"],
     "no registered node has the labels rack=z"),
])
def test_bad_usage_is_one_line_and_exit_1(live, args, fragment):
    done = live.cli(*args)
    assert done.returncode == 1 and fragment in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
