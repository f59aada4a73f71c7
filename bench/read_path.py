"""GET /v1/targets/{target} against a bare Starlette JSON endpoint, same server, same load.

Both run as one uvicorn worker (same flags) and are loaded by wrk (1 thread, 32
connections) in alternation, three rounds each; the medians and their ratio are printed.
pitstop answers from its in-memory snapshot after authenticating the bearer token, so the
ratio shows what the framework, auth and state composition cost over a bare endpoint.

    python bench/read_path.py        (needs wrk: apt-get install -y wrk)
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port, median, require_wrk, uvicorn, wait_up, wrk_rps

TOKEN = "pst_bench-admin-token-0123456789"
ROUNDS, SECONDS = 3, 5


async def _prepare(url: str) -> None:
    from pitstop.services.loader import load_snapshot
    from pitstop.services.runtime import Runtime
    from pitstop.services.targets import put_target
    from pitstop.services.tokens import ensure_admin
    from pitstop.settings import Settings
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import upgrade

    db = Database(url)
    await upgrade(db)
    rt = Runtime(Settings(database_url=url), db)
    await load_snapshot(rt)
    await ensure_admin(rt=rt, secret=TOKEN)
    await put_target(rt=rt, target="node:a", labels={"region": "eu"}, actor="bench")
    await db.dispose()


def main() -> None:
    require_wrk()
    here = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(_prepare(url))
        ports = {"pitstop": free_port(), "baseline": free_port()}
        servers = [
            uvicorn("pitstop_app:create_app", ports["pitstop"],
                    {"PITSTOP_DATABASE_URL": url}, here),
            uvicorn("baseline_app:create_app", ports["baseline"], {}, here),
        ]
        try:
            for port in ports.values():
                wait_up(f"http://127.0.0.1:{port}/v1/targets/node:a")
            results: dict[str, list[float]] = {"pitstop": [], "baseline": []}
            for _ in range(ROUNDS):
                for name, port in ports.items():
                    results[name].append(wrk_rps(
                        f"http://127.0.0.1:{port}/v1/targets/node:a",
                        header=f"Authorization: Bearer {TOKEN}", seconds=SECONDS))
        finally:
            for server in servers:
                server.terminate()
                server.wait()
    ours, base = median(results["pitstop"]), median(results["baseline"])
    print(f"GET /v1/targets/node:a     pitstop  {ours:10.0f} req/s  (rounds: "
          + ", ".join(f"{v:.0f}" for v in results["pitstop"]) + ")")
    print(f"bare Starlette JSON        baseline {base:10.0f} req/s  (rounds: "
          + ", ".join(f"{v:.0f}" for v in results["baseline"]) + ")")
    print(f"ratio pitstop / baseline = {ours / base:.2f}   (target >= 0.60)")


if __name__ == "__main__":
    main()
