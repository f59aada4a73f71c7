"""The pipeline engine under platform maintenance, start to finish, checking each step.

With the admin token in PITSTOP_TOKEN it makes two tokens: an operator, "demo-alice", and a
worker token for the engine. It starts the engine and queues three pipelines on two
workers. While two run, alice puts the platform into maintenance with the CLI. A new run is
refused with the maintenance reason, the queued run waits, and the running two finish. After
the exit the queue resumes, and the history shows both changes with who and why. The demo
exits non-zero if any step fails.

    PITSTOP_TOKEN=pst_... python examples/pipeline_engine/demo.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from pitstop.sdk import Client

HERE = Path(__file__).parent
REASON = "database upgrade to 16.4"


def until(what: str, check: Callable[[], Any], within: float = 20.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    sys.exit(f"FAILED: {what} (waited {within:.0f} s)")


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def pitstop(token: str, *args: str) -> str:
    """Run the pitstop CLI with ``token``, as an operator would, echoing it."""
    print(f"$ pitstop {' '.join(args)}", flush=True)
    done = subprocess.run([sys.executable, "-m", "pitstop", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PITSTOP_TOKEN": token})
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != 0:
        sys.exit(f"FAILED: pitstop {args[0]} exited {done.returncode}")
    return done.stdout


class Engine:
    def __init__(self, port: int, token: str) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen([sys.executable, str(HERE / "engine.py"), "--port",
                                      str(port), "--workers", "2"],
                                     env={**os.environ, "PITSTOP_TOKEN": token})
        until("the engine answers", self._up)

    def _up(self) -> bool:
        try:
            return httpx.get(self.url + "/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def submit(self, name: str, seconds: float) -> httpx.Response:
        return httpx.post(self.url + "/runs", json={"pipeline": name, "seconds": seconds})

    def runs(self) -> dict[str, dict[str, Any]]:
        return {r["pipeline"]: r for r in httpx.get(self.url + "/runs").json()}

    def states(self) -> dict[str, str]:
        return {name: run["state"] for name, run in self.runs().items()}

    def accepting(self) -> bool:
        return bool(httpx.get(self.url + "/health").json()["accepting"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def scenario(engine: Engine, client: Client, alice: str) -> None:
    for name in ("web", "api", "docs"):
        assert engine.submit(name, 4).status_code == 201
    until("two pipelines run", lambda: list(engine.states().values()).count("running") == 2)
    say(f"running and queued: {engine.states()}")

    pitstop(alice, "enter", "platform", "--reason", REASON)
    until("the engine's gate sees the maintenance", lambda: not engine.accepting(), 5)
    refused = engine.submit("hotfix", 4)
    if refused.status_code != 503 or REASON not in refused.json()["reason"]:
        sys.exit(f"FAILED: a new run was not refused with the reason: {refused.text}")
    say(f"a new run is refused: {refused.json()['detail']}")
    drain = client.drain("platform")
    say(f"drain: {drain['in_flight']} in flight, safe to deploy: {drain['safe_to_deploy']}")
    until("the running pipelines finish", lambda: client.drain(
        "platform", wait_ms=5000)["safe_to_deploy"], 15)
    states = engine.states()
    waiting = [r for r in engine.runs().values() if r["state"] == "queued"]
    if sorted(states.values()) != ["queued", "succeeded", "succeeded"] or not waiting:
        sys.exit(f"FAILED: expected two finished and one waiting, got {states}")
    say(f"the running two finished; {waiting[0]['pipeline']} {waiting[0]['note']}")
    time.sleep(1)
    if engine.states()[waiting[0]["pipeline"]] != "queued":
        sys.exit("FAILED: a queued run started during maintenance")

    pitstop(alice, "exit", "platform", "--reason", "upgrade done")
    until("the queue resumes", lambda: engine.states().get(waiting[0]["pipeline"]) ==
          "succeeded")
    if engine.submit("hotfix", 1).status_code != 201:
        sys.exit("FAILED: a new run was refused after the exit")
    until("the new run succeeds", lambda: engine.states().get("hotfix") == "succeeded")
    say(f"after the exit: {engine.states()}")

    pitstop(alice, "history", "--target", "platform", "--limit", "2")
    entries = client.history(target="platform", limit=2)["items"]
    if [(e["actor"], e["reason"]) for e in entries] != [("demo-alice", "upgrade done"),
                                                       ("demo-alice", REASON)]:
        sys.exit("FAILED: the history does not show both changes with who and why")
    say("ok: every step held")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8201, help="the engine's port")
    args = parser.parse_args()
    if not os.environ.get("PITSTOP_TOKEN"):
        sys.exit("set PITSTOP_TOKEN to an operator or admin token (pitstop serve prints one)")
    with Client() as client:  # the admin: makes the tokens, then only reads
        for stale in client.list_tokens()["items"]:  # left by an interrupted run
            if stale["name"] in ("demo-alice", "demo-pipeline-engine"):
                client.revoke_token(stale["id"])
        alice = client.create_token("demo-alice", "operator")
        worker = client.create_token("demo-pipeline-engine", "worker")
        engine = Engine(args.port, worker["token"])
        try:
            scenario(engine, client, alice["token"])
        finally:
            engine.stop()
            for token in (alice, worker):
                client.revoke_token(token["id"])


if __name__ == "__main__":
    main()
