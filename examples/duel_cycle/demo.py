"""Deploy the duel scheduler mid-fight with ``deploy.sh``, and check that no cycle started
between pitstop's enter and exit.

Starts the scheduler, waits until pitstop shows its cycle in ``fighting`` (the phase on its
lease), and runs ``deploy.sh`` as a CI job would. Then it reads the scheduler's journal and
the history: the fight in progress finished, the cycle that would have begun right after it
was held, the scheduler was restarted, and cycles resumed after the exit. Exits non-zero
if any of that fails.

    PITSTOP_TOKEN=pst_... python examples/duel_cycle/demo.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pitstop.sdk import Client

HERE = Path(__file__).parent
TARGET = "service:duel"


def until(what: str, check: Callable[[], Any], within: float = 20.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    sys.exit(f"FAILED: {what} (waited {within:.0f} s)")


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def journal(run: Path) -> list[dict[str, Any]]:
    path = run / "cycles.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def deploy(run: Path, port: int) -> None:
    print("$ examples/duel_cycle/deploy.sh", flush=True)
    env = {**os.environ, "DUEL_RUN": str(run), "DUEL_PORT": str(port),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["bash", str(HERE / "deploy.sh")], env=env, capture_output=True,
                          text=True, timeout=180)
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != 0:
        sys.exit(f"FAILED: deploy.sh exited {done.returncode}")


def check(run: Path, client: Client) -> None:
    """What the journal and the history say about the deploy."""
    enter_at, exit_at = (epoch(client.history(target=TARGET, action=action, limit=1)
                               ["items"][0]["at"]) for action in ("maintenance.entered",
                                                                  "maintenance.exited"))
    entries = journal(run)
    starts = [epoch(e["at"]) for e in entries if e["event"] == "started"]
    during = [t for t in starts if enter_at <= t <= exit_at]
    if during:
        sys.exit(f"FAILED: {len(during)} cycle(s) started between the enter and the exit")
    fight = max((e for e in entries if e["event"] == "started" and epoch(e["at"]) < enter_at),
                key=lambda e: e["t"])
    finished = [e for e in entries if e["event"] == "finished" and e["pid"] == fight["pid"]
                and e["cycle"] == fight["cycle"]]
    held = [e for e in entries if e["event"] == "held" and enter_at <= e["t"] <= exit_at]
    if not finished or finished[0]["t"] < enter_at:
        sys.exit("FAILED: the cycle in progress at the enter did not finish after it")
    after = [e for e in held if e["pid"] == fight["pid"] and e["t"] >= finished[0]["t"]]
    if not after:
        sys.exit("FAILED: the cycle that would begin right after the fight was not held")
    say(f"cycle {fight['cycle']} was fighting at the enter and finished "
        f"{finished[0]['t'] - enter_at:.1f} s later; the next one, asked for "
        f"{(after[0]['t'] - finished[0]['t']) * 1000:.0f} ms after, was held: "
        f"{after[0]['reason']}")
    say(f"no cycle started in the {exit_at - enter_at:.1f} s between the enter and the exit")


def scenario(run: Path, port: int, client: Client) -> None:
    client.put_target(TARGET)
    subprocess.run([sys.executable, str(HERE / "restart.py"), "--run", str(run), "--port",
                    str(port)], check=True)
    until("pitstop shows a cycle fighting", lambda: client.drain(TARGET)["current_phase"]
          == "fighting")
    first_pid = int((run / "scheduler.pid").read_text())
    say("pitstop shows the cycle in 'fighting': deploying now")
    deploy(run, port)
    check(run, client)
    new_pid = int((run / "scheduler.pid").read_text())
    if new_pid == first_pid:
        sys.exit("FAILED: the scheduler was not restarted")
    until("a cycle starts after the exit", lambda: any(
        e["event"] == "started" and e["pid"] == new_pid for e in journal(run)), 10)
    say(f"the new scheduler (pid {new_pid}) started its first cycle after the exit")
    say("ok: every step held")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8301, help="the scheduler's health port")
    args = parser.parse_args()
    if not os.environ.get("PITSTOP_TOKEN"):
        sys.exit("set PITSTOP_TOKEN to an operator or admin token (pitstop serve prints one)")
    with tempfile.TemporaryDirectory(prefix="duel-") as tmp, Client() as client:
        run = Path(tmp)
        try:
            scenario(run, args.port, client)
        finally:
            subprocess.run([sys.executable, str(HERE / "restart.py"), "--run", str(run),
                            "--stop"], check=False)


if __name__ == "__main__":
    main()
