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

from common import compare, report, require_wrk
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
        results = compare(
            {"pitstop": ("pitstop_app:create_app", {"PITSTOP_DATABASE_URL": url}, "/health"),
             "baseline": ("baseline_app:create_lease_app",
                          {"BENCH_SQLITE": f"{tmp}/baseline.db"}, "/v1/leases/x")},
            pairs_per_second, rounds=ROUNDS)
    ratio = report(results, {"pitstop": "acquire+release pairs",
                             "baseline": "insert+update pairs"}, "pairs/s")
    print(f"aim: ratio >= 0.7 (issue 17): {'met' if ratio >= 0.7 else 'NOT met'}; "
          "where the time goes: docs/performance.md")


if __name__ == "__main__":
    main()
