"""A weekly maintenance window selected by label takes one node of a three-node fleet out of
service, and only that node, checking each step.

With the admin token in PITSTOP_TOKEN it registers edge-1 and edge-2 (rack a) and edge-3
(rack b), all labelled fleet=demo, gives each two workloads, and starts one agent
(``agent.py``) per node. It then creates a weekly window with the CLI, affecting the labels
``fleet=demo,rack=b``, whose first occurrence starts a few seconds from now by the server's
clock, on today's weekday in the window's zone. While the occurrence runs, edge-3's agent
stops its workloads (its config has them masked, every other field kept) and the node shows
the window as its cause; the other two run on untouched. After it, edge-3's workloads start
again and the next occurrence is a week later. Exits non-zero if any step fails. The nodes and
the window stay for ``pitstop nodes list`` and ``pitstop windows show``; a new run replaces
them.

    PITSTOP_TOKEN=pst_... python examples/fleet_agent/demo.py
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from pitstop.sdk import Client, NotFound

HERE = Path(__file__).parent
TITLE = "Kernel update, rack b"
NODES = {"edge-1": "a", "edge-2": "a", "edge-3": "b"}  # node -> rack
SELECTED = "edge-3"
SELECTOR = "fleet=demo,rack=b"
WORKLOADS = ("shipper", "metrics")
LEAD_S, DURATION_S = 5, 8  # the occurrence starts 4-5 s from now and lasts 8 s
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def until(what: str, check: Callable[[], Any], within: float = 10.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    sys.exit(f"FAILED: {what} (waited {within:.0f} s)")


def say(text: str) -> None:
    print(f"demo: {text}", flush=True)


def pitstop(*args: str) -> str:
    """Run the pitstop CLI as an operator would (PITSTOP_URL/TOKEN as given), echoing it."""
    print(f"$ {shlex.join(['pitstop', *args])}", flush=True)
    done = subprocess.run([sys.executable, "-m", "pitstop", *args], capture_output=True,
                          text=True, timeout=60)
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != 0:
        sys.exit(f"FAILED: pitstop {' '.join(args[:2])} exited {done.returncode}")
    return done.stdout


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class NodeAgent:
    """One node's agent process; its ``--state`` file says which workload runs as which pid."""

    def __init__(self, name: str, url: str, token: str, run: Path) -> None:
        self.name, self.token = name, token
        self.state, self.log = run / f"{name}.json", run / f"{name}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(HERE / "agent.py"), "--url", url, "--token", token,
                 "--state", str(self.state)], stdout=log, stderr=subprocess.STDOUT)

    def pids(self) -> dict[str, int]:
        try:
            return dict(json.loads(self.state.read_text()))
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def runs_all(self) -> bool:
        return sorted(self.pids()) == sorted(WORKLOADS)

    def stop(self) -> None:
        """SIGTERM: the agent stops its workloads, then itself."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


def forget_earlier_run(client: Client) -> None:
    """Nodes and windows left by an earlier run go, so that this one starts clean. A node of
    the same name that is not the demo's (no fleet=demo label) is left alone."""
    for window in client.list_windows()["items"]:
        if window["title"] == TITLE:
            client.delete_window(window["id"])
    for name in NODES:
        with contextlib.suppress(NotFound):
            if client.get_node(name)["labels"].get("fleet") != "demo":
                sys.exit(f"FAILED: a node named {name} is registered and is not the demo's; "
                         "run the demo against another server")
            client.delete_node(name)


def start_fleet(client: Client, run: Path, agents: dict[str, NodeAgent]) -> None:
    """Register the nodes, set their configs, start their agents into ``agents`` (the
    caller stops them, whatever happens); wait until all run."""
    for name, rack in NODES.items():
        token = client.register_node(name, {"fleet": "demo", "rack": rack})["token"]
        client.set_node_config(name, {
            "workloads": [{"name": w, "command": ["sleep", "3600"]} for w in WORKLOADS],
            "poll_interval_s": 2, "log_level": "info"})
        agents[name] = NodeAgent(name, client.url, token, run)
    until("every agent runs its workloads", lambda: all(a.runs_all() for a in agents.values()),
          20)
    until("every node reports its workloads", lambda: all(
        len(client.get_node(n)["running"]) == len(WORKLOADS) for n in agents))
    say("three nodes, each running " + ", ".join(WORKLOADS) + ": " + "; ".join(
        f"{n} (rack {NODES[n]}) pids {sorted(a.pids().values())}" for n, a in agents.items()))


def server_now(client: Client) -> datetime:
    """The server's clock (its Date header: whole seconds, rounded down)."""
    date = httpx.get(client.url + "/health", timeout=10).headers.get("date")
    return parsedate_to_datetime(date) if date else datetime.now(UTC)


def create_window(client: Client, zone: str) -> tuple[int, dict[str, Any]]:
    """A weekly window on the local weekday of its first start, LEAD_S from now; returns its
    id and its first occurrence."""
    start = (server_now(client) + timedelta(seconds=LEAD_S)).astimezone(ZoneInfo(zone))
    rule = f"FREQ=WEEKLY;BYDAY={DAYS[start.weekday()]}"  # the weekday where it starts
    pitstop("windows", "create", "--title", TITLE, "--start",
            start.strftime("%Y-%m-%dT%H:%M:%S"), "--tz", zone, "--duration", f"{DURATION_S}s",
            "--rrule", rule, "--affects", f"{SELECTOR}:MAINTENANCE")
    ids = [w["id"] for w in client.list_windows(target=f"node:{SELECTED}")["items"]
           if w["title"] == TITLE]
    if not ids:
        sys.exit(f"FAILED: the window is not listed as affecting node:{SELECTED}")
    for other in (n for n in NODES if n != SELECTED):
        if ids[0] in [w["id"] for w in client.list_windows(target=f"node:{other}")["items"]]:
            sys.exit(f"FAILED: the window is listed as affecting node:{other} too")
    first = client.list_occurrences(ids[0])["items"][0]
    say(f"window {ids[0]} ({rule}) selects only {SELECTED}; its first occurrence starts "
        f"{first['start_local']} ({first['status']})")
    return ids[0], first


def local_time(instant: str, zone: str) -> str:
    """An instant from the API as wall-clock time in ``zone``, e.g. '19:00:50 Europe/Berlin'."""
    return f"{datetime.fromisoformat(instant).astimezone(ZoneInfo(zone)):%H:%M:%S} {zone}"


def occurrence_status(client: Client, window: int, occurrence: int) -> str:
    items = client.list_occurrences(window)["items"]
    return next((o["status"] for o in items if o["id"] == occurrence), "gone")


def check_during(client: Client, agents: dict[str, NodeAgent], window: int,
                 first: dict[str, Any], before: dict[str, dict[str, int]]) -> None:
    """While the occurrence runs: only the selected node's workloads stop, it shows the window
    as its cause, and its agent's config masks the workloads and keeps every other field."""
    occurrence = first["id"]
    selected = agents[SELECTED]
    until(f"{SELECTED}'s agent stops its workloads", lambda: not selected.pids(), 5)
    stopped = [pid for pid in before[SELECTED].values() if alive(pid)]
    if stopped:
        sys.exit(f"FAILED: {SELECTED}'s workloads {stopped} still run")
    for name in (n for n in agents if n != SELECTED):
        if agents[name].pids() != before[name] or not all(map(alive, before[name].values())):
            sys.exit(f"FAILED: {name}'s workloads changed: {agents[name].pids()}")
        if client.get_node(name)["in_maintenance"]:
            sys.exit(f"FAILED: {name} shows as in maintenance")
    node = until(f"{SELECTED} reports nothing running", lambda: (
        n := client.get_node(SELECTED))["drain"]["safe_to_deploy"] and n, 5)
    causes = [(c["kind"], c["window"], c["occurrence"], c["reason"]) for c in node["causes"]]
    if not node["in_maintenance"] or causes != [("window", window, occurrence, TITLE)]:
        sys.exit(f"FAILED: {SELECTED} does not show the window as its cause: {node['causes']}")
    config = httpx.get(client.url + "/v1/agent/config", timeout=10,
                       headers={"Authorization": f"Bearer {selected.token}"}).json()
    if config["workloads"] or (config["poll_interval_s"], config["log_level"]) != (2, "info"):
        sys.exit(f"FAILED: {SELECTED}'s agent config is not the masked config: {config}")
    say(f"the occurrence is ONGOING: {SELECTED}'s agent stopped its workloads; {SELECTED} "
        f"is in maintenance because of window {window} (occurrence {occurrence}) until "
        f"{local_time(node['until'], first['timezone'])}, safe to deploy")
    say("its agent's config: workloads [], poll_interval_s and log_level kept; "
        "the other nodes run the same pids: "
        + "; ".join(f"{n} {sorted(p.values())}" for n, p in before.items() if n != SELECTED))
    pitstop("nodes", "list")


def check_after(client: Client, agents: dict[str, NodeAgent], window: int,
                first: dict[str, Any], before: dict[str, dict[str, int]]) -> None:
    """After the occurrence: the selected node runs its workloads again (new pids), nobody
    else was touched, and the next occurrence is a week later at the same local time."""
    until("the occurrence completes", lambda: occurrence_status(
        client, window, first["id"]) == "COMPLETED", DURATION_S + 5)
    selected = agents[SELECTED]
    until(f"{SELECTED}'s workloads start again", selected.runs_all, 5)
    if set(selected.pids().values()) & set(before[SELECTED].values()):
        sys.exit(f"FAILED: {SELECTED} kept old workload processes: {selected.pids()}")
    node = client.get_node(SELECTED)
    if node["in_maintenance"] or node["causes"]:
        sys.exit(f"FAILED: {SELECTED} is still in maintenance: {node['causes']}")
    for name in (n for n in agents if n != SELECTED):
        if agents[name].pids() != before[name]:
            sys.exit(f"FAILED: {name}'s workloads were restarted: {agents[name].pids()}")
    say(f"the occurrence COMPLETED: {SELECTED} runs {', '.join(WORKLOADS)} again "
        f"(new pids {sorted(selected.pids().values())}); "
        f"{' and '.join(n for n in NODES if n != SELECTED)} were never restarted")
    check_next_week(client, window, first)


def check_next_week(client: Client, window: int, first: dict[str, Any]) -> None:
    """The next occurrence is SCHEDULED seven days on, at the same wall-clock time (the rule
    is expanded in the window's zone, so a DST change in between keeps it)."""
    items = client.list_occurrences(window)["items"]
    later = [o for o in items if o["start"] > first["start"]]
    if not later or later[0]["status"] != "SCHEDULED":
        sys.exit(f"FAILED: no next occurrence is scheduled: {items}")
    local = [datetime.fromisoformat(o["start_local"]).replace(tzinfo=None)
             for o in (first, later[0])]
    if local[1] - local[0] != timedelta(days=7):
        sys.exit(f"FAILED: the next occurrence is not a week later: {later[0]['start_local']}")
    say(f"next occurrence: {later[0]['start_local']} ({later[0]['status']}), a week later")
    pitstop("windows", "show", str(window))


def scenario(client: Client, agents: dict[str, NodeAgent], zone: str) -> None:
    before = {name: agent.pids() for name, agent in agents.items()}
    window, first = create_window(client, zone)
    until("the occurrence goes ONGOING", lambda: occurrence_status(
        client, window, first["id"]) == "ONGOING", LEAD_S + 5)
    check_during(client, agents, window, first, before)
    check_after(client, agents, window, first, before)
    say("ok: every step held")


def show_logs(agents: dict[str, NodeAgent]) -> None:
    for agent in agents.values():
        print(f"--- {agent.name}'s agent log\n{agent.log.read_text()}", end="", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tz", default="Europe/Berlin", help="the window's IANA time zone")
    args = parser.parse_args()
    if not os.environ.get("PITSTOP_TOKEN"):
        sys.exit("set PITSTOP_TOKEN to an admin token (pitstop serve prints one)")
    with tempfile.TemporaryDirectory(prefix="fleet-") as tmp, Client() as client:
        forget_earlier_run(client)
        agents: dict[str, NodeAgent] = {}
        try:
            start_fleet(client, Path(tmp), agents)
            scenario(client, agents, args.tz)
        except SystemExit as exc:
            if exc.code:
                show_logs(agents)
            raise
        finally:
            for agent in agents.values():
                agent.stop()


if __name__ == "__main__":
    main()
