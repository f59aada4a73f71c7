"""Lease acquire + release pairs per second on SQLite, against a bare baseline.

pitstop (one uvicorn worker, SQLite) and a bare Starlette app doing the same INSERT and
UPDATE through aiosqlite on the same pragmas (one uvicorn worker) are loaded in
alternation by wrk with a Lua script that acquires a lease and then releases the id it got
back; three rounds each, medians and the ratio printed. pitstop's pair also authenticates,
checks the gate under the write lock, audits nothing (leases are not audited), and
publishes both events to the in-memory snapshot.

Where the time goes is printed beside the ratio: each server's CPU per pair, thread by thread
(the baseline's SQLite runs on aiosqlite's thread, beside its event loop; pitstop's runs on
the loop), and what one transaction's BEGIN IMMEDIATE + COMMIT costs on this file against
the same statements grouped eight to a transaction: what group commit could save.

    python bench/lease_throughput.py        (needs wrk: apt-get install -y wrk)
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import compare, median, report, require_wrk, thread_cpu_s
from read_path import TOKEN, _prepare

ROUNDS, SECONDS, CONNECTIONS = 3, 5, 16
HERE = Path(__file__).resolve().parent


# CPU microseconds per pair, per server, per thread (named by role), one entry per round.
CPU_PER_PAIR: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))


def pairs_per_second(port: int, pid: int) -> float:
    cmd = [require_wrk(), "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "-s",
           str(HERE / "lease_pairs.lua"), f"http://127.0.0.1:{port}"]
    before = thread_cpu_s(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         env={**os.environ, "BENCH_TOKEN": TOKEN}).stdout
    after = thread_cpu_s(pid)
    if "Non-2xx" in out:
        raise RuntimeError(out)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pairs = rps / 2 * SECONDS
    main = f"{_main_thread(after)}"
    spent = {"event loop": after[main] - before.get(main, 0.0),
             "other threads": sum(v - before.get(k, 0.0) for k, v in after.items()
                                  if k != main)}
    for role, seconds in spent.items():
        CPU_PER_PAIR[port][role].append(seconds / pairs * 1e6)
    return rps / 2


def _main_thread(threads: dict[str, float]) -> str:
    """The process's first thread (its id is the pid): the one running the event loop."""
    return min(threads, key=lambda k: int(k.rsplit("/", 1)[1]))


def commit_cost_us(path: str, n: int = 20_000) -> tuple[float, float]:
    """µs per INSERT on SQLite with this file's pragmas: one transaction each, and grouped
    eight to a transaction with a savepoint each (group commit's shape)."""
    raw = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
        raw.execute(f"PRAGMA {pragma}")
    for table in ("each", "grouped"):  # each loop on a table of its own, as large
        raw.execute(f"CREATE TABLE {table} (id TEXT PRIMARY KEY, v TEXT)")
    started = time.perf_counter()
    for _ in range(n):
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("INSERT INTO each VALUES (?, 'x')", (str(uuid.uuid4()),))
        raw.execute("COMMIT")
    each = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(n):
        if i % 8 == 0:
            raw.execute("BEGIN IMMEDIATE")
        raw.execute("SAVEPOINT one")
        raw.execute("INSERT INTO grouped VALUES (?, 'x')", (str(uuid.uuid4()),))
        raw.execute("RELEASE one")
        if i % 8 == 7:
            raw.execute("COMMIT")
    if raw.in_transaction:
        raw.execute("COMMIT")
    grouped = time.perf_counter() - started
    raw.close()
    return each / n * 1e6, grouped / n * 1e6


def main() -> None:
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(_prepare(url))
        results = compare(
            {"pitstop": ("pitstop_app:create_app", {"PITSTOP_DATABASE_URL": url}, "/health"),
             "baseline": ("baseline_app:create_lease_app",
                          {"BENCH_SQLITE": f"{tmp}/baseline.db"}, "/v1/leases/x")},
            pairs_per_second, rounds=ROUNDS, with_pid=True)
        each, grouped = commit_cost_us(f"{tmp}/commit.db")
    ratio = report(results, {"pitstop": "acquire+release pairs",
                             "baseline": "insert+update pairs"}, "pairs/s")
    print(f"aim: ratio >= 0.7 (issue 17): {'met' if ratio >= 0.7 else 'NOT met'}; "
          "where the time goes: docs/performance.md")
    print("CPU per pair (median of the rounds):")
    for name, per_role in zip(("pitstop", "baseline"), CPU_PER_PAIR.values(), strict=True):
        print("  " + name.ljust(9) + ", ".join(
            f"{role} {median(values):.0f} us" for role, values in per_role.items()))
    print(f"group commit: an INSERT in its own transaction {each:.1f} us, grouped eight to a "
          f"transaction with a savepoint each {grouped:.1f} us: it could save "
          f"~{2 * (each - grouped):.0f} us of a pair's two transactions")


if __name__ == "__main__":
    main()
