"""Per-target costs as a fleet grows: 1,000, 10,000 and 100,000 nodes, each with a lease in
flight and an agent token.

For each size a SQLite database is filled in bulk through the storage tables (not through
the API: 100k HTTP calls would take longer than the benchmark), and one pitstop server is
started on it; its start-up time (until /health answers) and resident memory are taken.
All servers then run side by side and wrk loads each in alternation, three rounds:

- ``GET /v1/targets/{node}`` (state + drain; a node with work in flight is never cached),
- ``GET /v1/agent/config`` with that node's agent token (no ETag: the 200 with its body),
- ``POST /v1/leases`` (admission and the insert) on a node of its own.

Every size is polled over the same number of nodes (spread across its fleet), so the view
cache behaves the same for each and only the size of the fleet differs. The smallest fleet
is the baseline: each size prints req/s and its ratio to it. Aim: >= 0.80 at 100k; start
< 10 s and < 1 GiB at 100k. With matplotlib installed (``pip install -e '.[bench]'``) the
curve is drawn to docs/bench/flat_costs.png.

    python bench/flat_costs.py [--sizes 1000,10000,100000] [--seconds 3] [--rounds 3]
    python bench/flat_costs.py --sizes 100000 --startup-only   # start-up time and memory alone
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    admin_runtime,
    cpu_s,
    free_port,
    median,
    require_wrk,
    rss_mib,
    uvicorn,
    wait_up,
    wrk_script,
)
from plots import plot_curves

from pitstop import clock
from pitstop.services.tokens import hash_token
from pitstop.storage import tables

ADMIN = "pst_bench-admin-token-0123456789"
WORKER = "pst_bench-worker-token-0123456789"
SAMPLE = 1000  # nodes polled per size (and as many others that take the new leases)
CHUNK = 5000
CONFIG = {"workloads": [{"name": "shipper", "image": "vector:0.40"}, {"name": "metrics"}],
          "poll_interval_s": 30, "secrets": {"backend": "vault", "path": "kv/edge"}}
ENDPOINTS = ("target", "config", "admit")
LABELS = {"target": "GET /v1/targets/{node}", "config": "GET /v1/agent/config",
          "admit": "POST /v1/leases (admit)"}


def agent_secret(i: int) -> str:
    return f"pst_bench-agent-{i:07d}-0123456789abcdef"


def _fleet_rows(size: int) -> dict[str, list[dict[str, object]]]:
    now = clock.now()
    rows: dict[str, list[dict[str, object]]] = {"targets": [], "nodes": [], "tokens": [],
                                                "leases": []}
    for i in range(size):
        target = f"node:n{i}"
        rows["targets"].append({
            "id": target, "kind": "node", "name": f"n{i}", "labels": {"rack": str(i % 20)},
            "created_at": now, "updated_at": now, "version": 1, "maint_on": False})
        rows["nodes"].append({
            "target": target, "config": CONFIG, "config_updated_at": now,
            "config_updated_by": "bench", "running": [], "created_at": now, "version": 1})
        rows["tokens"].append({
            "id": hashlib.sha256(target.encode()).hexdigest()[:12], "name": f"agent {target}",
            "role": "agent", "hash": hash_token(agent_secret(i)), "created_at": now,
            "created_by": "bench", "node": target})
        rows["leases"].append({
            "id": str(uuid.UUID(int=i)), "target": target, "kind": ("build", "test")[i % 2],
            "holder": f"runner-{i % 50}", "phase": ("compile", "upload")[i % 2],
            "acquired_at": now - timedelta(seconds=i % 600), "ttl_s": 86400,
            "expected_end": now + timedelta(hours=1), "expires_at": now + timedelta(days=1),
            "state": "active"})
    return rows


async def build_fleet(url: str, size: int) -> None:
    """A fresh database with ``size`` registered nodes, each with one lease in flight."""
    db, _ = await admin_runtime(url, ADMIN)
    rows = _fleet_rows(size)
    async with db.write() as conn:
        for name in ("targets", "nodes", "tokens", "leases"):
            table = getattr(tables, name)
            for start in range(0, size, CHUNK):
                await conn.execute(table.insert(), rows[name][start:start + CHUNK])
        await conn.execute(tables.tokens.insert(), [{
            "id": "benchworker0", "name": "bench worker", "role": "worker",
            "hash": hash_token(WORKER), "created_at": clock.now(), "created_by": "bench"}])
    await db.dispose()


def sampled(size: int) -> tuple[list[int], list[int]]:
    """Nodes to poll and nodes to admit leases on: evenly spread, disjoint."""
    step = max(1, size // (2 * SAMPLE))
    picked = list(range(0, size, step))[:2 * SAMPLE]
    return picked[0::2], picked[1::2]


def lua_scripts(size: int, folder: Path) -> dict[str, Path]:
    """wrk scripts for one fleet: a random sampled node per request."""
    polled, admitted = sampled(size)
    ids = ",".join(f'"node:n{i}"' for i in polled)
    secrets = ",".join(f'"{agent_secret(i)}"' for i in polled)
    admit = ",".join(f'"node:n{i}"' for i in admitted)
    bodies = {
        "target": f"local ids = {{{ids}}}\nrequest = function()\n"
                  f'  return wrk.format("GET", "/v1/targets/" .. ids[math.random(#ids)],'
                  f' {{["Authorization"] = "Bearer {ADMIN}"}})\nend\n',
        "config": f"local tokens = {{{secrets}}}\nrequest = function()\n"
                  '  return wrk.format("GET", "/v1/agent/config", {["Authorization"] = '
                  '"Bearer " .. tokens[math.random(#tokens)]})\nend\n',
        "admit": f"local ids = {{{admit}}}\nrequest = function()\n"
                 '  local body = \'{"target": "\' .. ids[math.random(#ids)] .. '
                 '\'", "kind": "bench", "holder": "wrk", "ttl_s": 3600}\'\n'
                 f'  return wrk.format("POST", "/v1/leases", {{["Authorization"] = '
                 f'"Bearer {WORKER}", ["Content-Type"] = "application/json"}}, body)\nend\n',
    }
    out = {}
    for name, text in bodies.items():
        out[name] = folder / f"{name}-{size}.lua"
        out[name].write_text(text)
    return out


def start_server(url: str) -> tuple[object, int, float]:
    """A pitstop server on ``url``; its process, port, and seconds until /health answers."""
    port = free_port()
    env = {"PITSTOP_DATABASE_URL": url, "PITSTOP_AGENT_RATE_PER_S": "1000000",
           "PITSTOP_AGENT_BURST": "1000000"}
    began = time.monotonic()
    proc = uvicorn("pitstop_app:create_app", port, env, Path(__file__).resolve().parent)
    try:
        wait_up(f"http://127.0.0.1:{port}/health", timeout=900, interval=0.05)
    except RuntimeError:
        proc.terminate()
        proc.wait()
        raise
    return proc, port, time.monotonic() - began


def run(sizes: list[int], seconds: int, rounds: int, plot: Path | None,
        startup_only: bool = False) -> dict[int, dict]:
    if startup_only:
        rounds, plot = 0, None
    else:
        require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        servers, results = {}, {}
        try:
            for size in sizes:
                url = f"sqlite+aiosqlite:///{tmp}/fleet-{size}.db"
                began = time.monotonic()
                asyncio.run(build_fleet(url, size))
                built = time.monotonic() - began
                proc, port, start_s = start_server(url)
                servers[size] = (proc, port, lua_scripts(size, Path(tmp)))
                results[size] = {"build_s": built, "start_s": start_s,
                                 "start_cpu_s": cpu_s(proc.pid),  # type: ignore[attr-defined]
                                 "rss_mib": rss_mib(proc.pid),  # type: ignore[attr-defined]
                                 **{e: [] for e in ENDPOINTS}}
            for _ in range(rounds):
                for endpoint in ENDPOINTS:
                    for size, (_, port, scripts) in servers.items():
                        results[size][endpoint].append(wrk_script(
                            f"http://127.0.0.1:{port}", scripts[endpoint], seconds=seconds))
            for size, (proc, _, _) in servers.items():
                results[size]["rss_after_mib"] = rss_mib(proc.pid)  # type: ignore[attr-defined]
        finally:
            for proc, _, _ in servers.values():
                proc.terminate()  # type: ignore[attr-defined]
                proc.wait()  # type: ignore[attr-defined]
    if startup_only:
        print_startup(results)
        return results
    print_report(results)
    if plot is not None:
        plot_curves(plot, "Per-target cost as the fleet grows", "nodes (one lease each)",
                    {LABELS[e]: {s: median(results[s][e]) for s in sizes} for e in ENDPOINTS})
    return results


def print_report(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    base = sizes[0]
    for endpoint in ENDPOINTS:
        print(LABELS[endpoint])
        for size in sizes:
            values = results[size][endpoint]
            ratio = median(values) / median(results[base][endpoint])
            rounds = ", ".join(f"{v:.0f}" for v in values)
            print(f"  {size:>7} nodes {median(values):8.0f} req/s  {ratio:5.2f}x of {base}"
                  f"  (rounds: {rounds})")
    print_startup(results)


def print_startup(results: dict[int, dict]) -> None:
    sizes = sorted(results)
    for size in sizes:
        r = results[size]
        print(f"{size:>7} nodes: built in {r['build_s']:.1f} s, start {r['start_s']:.2f} s "
              f"({r['start_cpu_s']:.2f} s of CPU), "
              f"RSS {r['rss_mib']:.0f} MiB after start, {r['rss_after_mib']:.0f} MiB after")
    print(f"aim: ratio >= 0.80 at {sizes[-1]} nodes; start < 10 s and RSS < 1024 MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plot", type=Path,
                        default=Path(__file__).resolve().parents[1] / "docs/bench/flat_costs.png")
    parser.add_argument("--startup-only", action="store_true",
                        help="build and start each fleet, report start time and memory, no wrk")
    args = parser.parse_args()
    run([int(s) for s in args.sizes.split(",")], args.seconds, args.rounds, args.plot,
        args.startup_only)


if __name__ == "__main__":
    main()
