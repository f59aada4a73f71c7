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

from common import compare, report, require_wrk, wrk_rps

from pitstop.services.labels import put_target
from pitstop.services.loader import load_snapshot
from pitstop.services.tokens import ensure_admin
from pitstop.services.wiring import wire
from pitstop.settings import Settings
from pitstop.storage.engine import Database
from pitstop.storage.migrate import upgrade

TOKEN = "pst_bench-admin-token-0123456789"
ROUNDS, SECONDS = 3, 5


async def _prepare(url: str) -> None:
    db = Database(url)
    await upgrade(db)
    rt = wire(Settings(database_url=url), db)
    await load_snapshot(rt)
    await ensure_admin(rt=rt, secret=TOKEN)
    await put_target(rt=rt, target="node:a", labels={"region": "eu"}, actor="bench")
    await db.dispose()


def main() -> None:
    require_wrk()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(_prepare(url))
        path = "/v1/targets/node:a"
        results = compare(
            {"pitstop": ("pitstop_app:create_app", {"PITSTOP_DATABASE_URL": url}, path),
             "baseline": ("baseline_app:create_app", {}, path)},
            lambda port: wrk_rps(f"http://127.0.0.1:{port}{path}", seconds=SECONDS,
                                 header=f"Authorization: Bearer {TOKEN}"),
            rounds=ROUNDS)
    report(results, {"pitstop": "GET /v1/targets/node:a", "baseline": "bare Starlette JSON"},
           "req/s")
    print("target: ratio >= 0.60")


if __name__ == "__main__":
    main()
