"""Lease acquire + release pairs per second on PostgreSQL: one replica and two replicas,
each against a bare asyncpg baseline of as many processes.

A temporary database is created on the local server (BENCH_POSTGRES, default
postgresql://postgres@127.0.0.1:5432/test names the server) and dropped at the end. pitstop
runs as one uvicorn worker per replica, the replicas sharing the database (LISTEN/NOTIFY
between them, one leader); the baseline is a bare Starlette app doing the same INSERT and
UPDATE with an asyncpg pool (baseline_app.create_lease_app_pg), one process or two. wrk
(the lease_pairs.lua script: acquire, then release the id it got) loads each setup with
16 connections in all, split evenly across its processes; the setups are measured in
alternation, each started for its turn only (so idle replicas do not share the work of
another setup), three rounds; medians and both ratios printed.

    python bench/lease_throughput_pg.py        (needs wrk and a local PostgreSQL)
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline_app import PG_TABLE
from common import free_port, median, require_wrk, uvicorn, wait_up
from read_path import TOKEN, _prepare

ROUNDS, SECONDS, CONNECTIONS = 3, 5, 16
HERE = Path(__file__).resolve().parent
SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


async def create_database() -> str:
    """A fresh database on SERVER, its pitstop schema, token and target, and the baseline's
    table; returns its plain (asyncpg) URL."""
    name = f"pitstop_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(SERVER, timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = SERVER.rpartition("/")[0] + "/" + name
    await _prepare(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute(PG_TABLE)
    finally:
        await conn.close()
    return url


async def drop_database(url: str) -> None:
    conn = await asyncpg.connect(SERVER, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    finally:
        await conn.close()


def _wrk(port: int, connections: int) -> subprocess.Popen[str]:
    cmd = [require_wrk(), "-t1", f"-c{connections}", f"-d{SECONDS}s", "-s",
           str(HERE / "lease_pairs.lua"), f"http://127.0.0.1:{port}"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "BENCH_TOKEN": TOKEN})


def pairs_per_second(ports: list[int]) -> float:
    """Load every process of a setup at once (connections split evenly); pairs/s summed."""
    runs = [_wrk(port, CONNECTIONS // len(ports)) for port in ports]
    total = 0.0
    for run in runs:
        out, _ = run.communicate()
        if run.returncode or "Non-2xx" in out:
            raise RuntimeError(out)
        total += float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return total / 2


def measure(app: str, env: dict[str, str], ready: str, processes: int) -> float:
    ports = [free_port() for _ in range(processes)]
    procs = [uvicorn(app, port, env, HERE) for port in ports]
    try:
        for port in ports:
            wait_up(f"http://127.0.0.1:{port}{ready}")
        return pairs_per_second(ports)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


def main() -> None:
    require_wrk()
    url = asyncio.run(create_database())
    pitstop = ("pitstop_app:create_app",
               {"PITSTOP_DATABASE_URL": url.replace("postgresql://", "postgresql+asyncpg://")},
               "/health")
    baseline = ("baseline_app:create_lease_app_pg", {"BENCH_PG": url}, "/v1/leases/x")
    setups = {(name, n): spec for n in (1, 2)
              for name, spec in (("pitstop", pitstop), ("baseline", baseline))}
    results: dict[tuple[str, int], list[float]] = {key: [] for key in setups}
    try:
        for _ in range(ROUNDS):
            for (name, n), (app, env, ready) in setups.items():
                results[(name, n)].append(measure(app, env, ready, n))
    finally:
        asyncio.run(drop_database(url))
    for (name, n), values in results.items():
        rounds = ", ".join(f"{v:.0f}" for v in values)
        label = f"{name} x{n} ({'replicas' if name == 'pitstop' else 'processes'})"
        print(f"{label:<26} {median(values):8.0f} pairs/s  (rounds: {rounds})")
    for n in (1, 2):
        ratio = median(results[("pitstop", n)]) / median(results[("baseline", n)])
        print(f"ratio pitstop / baseline, {n} process{'es' if n > 1 else ''}: {ratio:.2f}")
    print("aim: none set yet (issue 17 asks for both ratios; SQLite's aim is >= 0.7)")


if __name__ == "__main__":
    main()
