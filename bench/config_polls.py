"""Agent config polls for 1,000 nodes against the target status read, on one server.

1,000 registered nodes, each with a desired config of several fields; a tenth of them in
maintenance (their workloads masked). wrk polls GET /v1/agent/config with a random node's
agent token, half of the polls carrying that node's current ETag (answered 304, no body),
half without (200 with the body). The baseline, in the same run and on the same server, is
the foundation's status read GET /v1/targets/node:n0 with an admin token. Three rounds each
in alternation; medians and ratio printed.

    python bench/config_polls.py        (needs wrk: apt-get install -y wrk)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    admin_runtime,
    close_runtime,
    free_port,
    median,
    require_wrk,
    uvicorn,
    wait_up,
    wrk_rps,
)

from pitstop.services import nodes

ADMIN = "pst_bench-admin-token-0123456789"
NODES, ROUNDS, SECONDS = 1000, 3, 5
CONFIG = {"workloads": [{"name": "shipper", "image": "vector:0.40"}, {"name": "metrics"}],
          "poll_interval_s": 30, "secrets": {"backend": "vault", "path": "kv/edge"},
          "pending_action": None}


async def _prepare(url: str) -> list[str]:
    db, rt = await admin_runtime(url, ADMIN)
    tokens = []
    for i in range(NODES):
        _, token = await nodes.register_node(rt=rt, name=f"n{i}", labels={"rack": str(i % 20)},
                                             actor="bench")
        tokens.append(token.secret)
    await nodes.set_config(rt=rt, names=[f"n{i}" for i in range(NODES)], config=CONFIG,
                           actor="bench")
    for i in range(0, NODES, 10):
        await nodes.toggle(rt=rt, name=f"n{i}", enter=True, reason="bench", actor="bench")
    await close_runtime(db, rt)
    return tokens


def _lua(base: str, tokens: list[str], path: Path) -> None:
    """A wrk script: a random node per request, half with its current ETag."""
    entries = []
    for token in tokens:
        etag = httpx.get(base + "/v1/agent/config",
                         headers={"Authorization": f"Bearer {token}"}).headers["etag"]
        entries.append(f'{{"{token}", \'{etag}\'}}')
    path.write_text(
        "local nodes = {" + ",\n".join(entries) + "}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        "  local node = nodes[math.random(#nodes)]\n"
        '  local headers = {["Authorization"] = "Bearer " .. node[1]}\n'
        '  if n % 2 == 0 then headers["If-None-Match"] = node[2] end\n'
        '  return wrk.format("GET", "/v1/agent/config", headers)\n'
        "end\n")


def main() -> None:
    wrk = require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        tokens = asyncio.run(_prepare(url))
        port = free_port()
        env = {"PITSTOP_DATABASE_URL": url, "PITSTOP_AGENT_RATE_PER_S": "1000000",
               "PITSTOP_AGENT_BURST": "1000000"}
        proc = uvicorn("pitstop_app:create_app", port, env, Path(__file__).resolve().parent)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_up(base + "/health")
            script = Path(tmp) / "polls.lua"
            _lua(base, tokens, script)
            polls, reads = [], []
            for _ in range(ROUNDS):
                polls.append(_wrk_script(wrk, base, script))
                reads.append(wrk_rps(base + "/v1/targets/node:n0", seconds=SECONDS,
                                     header=f"Authorization: Bearer {ADMIN}"))
        finally:
            proc.terminate()
            proc.wait()
    ratio = median(polls) / median(reads)
    print(f"config polls, {NODES} nodes, half 304  pitstop  {median(polls):8.0f} req/s  "
          f"(rounds: {', '.join(f'{v:.0f}' for v in polls)})")
    print(f"GET /v1/targets/node:n0 (status read)  baseline {median(reads):8.0f} req/s  "
          f"(rounds: {', '.join(f'{v:.0f}' for v in reads)})")
    print(f"ratio config polls / status reads = {ratio:.2f}   target >= 0.5")


def _wrk_script(wrk: str, base: str, script: Path) -> float:
    import re
    import subprocess

    out = subprocess.run([wrk, "-t1", "-c32", f"-d{SECONDS}s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"errors from the config polls:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


if __name__ == "__main__":
    main()
