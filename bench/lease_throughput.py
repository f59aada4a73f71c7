"""Lease acquire + release pairs per second on SQLite, against a bare baseline.

pitstop (one uvicorn worker, SQLite) and a bare Starlette app doing the same INSERT and
UPDATE through aiosqlite on the same pragmas (one uvicorn worker) are loaded in
alternation by wrk with a Lua script that acquires a lease and then releases the id it got
back; three rounds each, medians and the ratio printed. pitstop's pair also authenticates,
checks the gate under the write lock, audits nothing (leases are not audited), and
publishes both events to the in-memory snapshot.

    python bench/lease_throughput.py        (needs wrk: apt-get install -y wrk)
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port, median, require_wrk, uvicorn, wait_up
from read_path import TOKEN, _prepare

ROUNDS, SECONDS, CONNECTIONS = 3, 5, 16
HERE = Path(__file__).resolve().parent


def pairs_per_second(port: int) -> float:
    cmd = [require_wrk(), "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s",
           str(HERE / "lease_pairs.lua"), f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env={**os.environ, "BENCH_TOKEN": TOKEN}).stdout
    if "Non-2xx" in out:
        raise RuntimeError(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return rps / 2


def main() -> None:
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(_prepare(url))
        ports = {"pitstop": free_port(), "baseline": free_port()}
        servers = [
            uvicorn("pitstop_app:create_app", ports["pitstop"],
                    {"PITSTOP_DATABASE_URL": url}, HERE),
            uvicorn("baseline_app:create_lease_app", ports["baseline"],
                    {"BENCH_SQLITE": f"{tmp}/baseline.db"}, HERE),
        ]
        try:
            wait_up(f"http://127.0.0.1:{ports['pitstop']}/health")
            wait_up(f"http://127.0.0.1:{ports['baseline']}/v1/leases/x")
            results: dict[str, list[float]] = {"pitstop": [], "baseline": []}
            for _ in range(ROUNDS):
                for name, port in ports.items():
                    results[name].append(pairs_per_second(port))
        finally:
            for server in servers:
                server.terminate()
                server.wait()
    ours, base = median(results["pitstop"]), median(results["baseline"])
    print(f"acquire+release pairs   pitstop  {ours:8.0f} /s  (rounds: "
          + ", ".join(f"{v:.0f}" for v in results["pitstop"]) + ")   target >= 1000/s")
    print(f"insert+update pairs     baseline {base:8.0f} /s  (rounds: "
          + ", ".join(f"{v:.0f}" for v in results["baseline"]) + ")")
    print(f"ratio pitstop / baseline = {ours / base:.2f}")


if __name__ == "__main__":
    main()
