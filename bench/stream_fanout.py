"""Stream fan-out: from an enter being acknowledged to its event reaching every connected
WebSocket client, for 1,000 and 10,000 clients (p50 and p99).

pitstop (`pitstop serve` on SQLite) is measured against a baseline in the same run: a bare
Starlette app on the same uvicorn (both without per-message deflate, as `pitstop serve`
runs) whose POST answers at once and then sends the same event to
every client in a plain loop of per-client sends, encoding it for each. The clients live in
separate processes and connect to both servers alike; each round is one enter (and an exit
that nobody listens to). Latency = a client's receive time - the moment the POST's answer
arrived (CLOCK_MONOTONIC is shared by the processes; an event that beats the answer counts 0).

    python bench/stream_fanout.py [CLIENTS ...]     (default: 1000 10000)

Aim: p99 under 50 ms for 1,000 and under 500 ms for 10,000 clients.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port, wait_up

ADMIN = "pst_bench-admin-token-0123456789"
ROUNDS = 5
PROCESSES = 4  # client processes; the clients are spread evenly over them


def _raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _client_main(url: str, count: int, pipe) -> None:  # type: ignore[no-untyped-def]
    from websockets.asyncio.client import connect

    received: list[list[float]] = [[] for _ in range(count)]

    async def one(ws, times: list[float]) -> None:  # type: ignore[no-untyped-def]
        async for _ in ws:
            times.append(time.monotonic())

    sockets = []
    for start in range(0, count, 100):
        batch = [connect(url, ping_interval=None, max_queue=None, open_timeout=120)
                 for _ in range(min(100, count - start))]
        sockets.extend(await asyncio.gather(*batch))
    readers = [asyncio.create_task(one(ws, times))
               for ws, times in zip(sockets, received, strict=True)]
    loop = asyncio.get_running_loop()
    pipe.send("ready")
    await loop.run_in_executor(None, pipe.recv)  # "done"
    pipe.send(received)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def _client_process(url: str, count: int, pipe) -> None:  # type: ignore[no-untyped-def]
    _raise_nofile()
    asyncio.run(_client_main(url, count, pipe))


def _fan_out(ws_url: str, clients: int, fire) -> list[float]:  # type: ignore[no-untyped-def]
    """Connect ``clients`` in separate processes, fire ROUNDS events one after another,
    and return every (client, round) latency in seconds. A client's k-th message is the
    k-th round's event (each round waits for the last to arrive everywhere)."""
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    for i in range(PROCESSES):
        parent, child = ctx.Pipe()
        share = clients // PROCESSES + (1 if i < clients % PROCESSES else 0)
        proc = ctx.Process(target=_client_process, args=(ws_url, share, child))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    for pipe in pipes:
        if pipe.recv() != "ready":
            raise RuntimeError("a client process failed to connect")
    settle = 0.5 if clients <= 1000 else 3.0
    acks = []
    for _ in range(ROUNDS):
        time.sleep(settle)
        acks.append(fire())
    time.sleep(settle)
    latencies = []
    for pipe in pipes:
        pipe.send("done")
        for times in pipe.recv():
            if len(times) != ROUNDS:
                raise RuntimeError(f"a client got {len(times)} of {ROUNDS} events")
            latencies.extend(max(0.0, t - a) for t, a in zip(times, acks, strict=True))
    for proc in procs:
        proc.join(30)
    return latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _pitstop(workdir: Path) -> tuple[subprocess.Popen[bytes], str, object]:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")},
           "PITSTOP_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'pitstop.db'}",
           "PITSTOP_PORT": str(port), "PITSTOP_ADMIN_TOKEN": ADMIN,
           "PITSTOP_LOG_LEVEL": "warning"}
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", "serve"], env=env, cwd=workdir,
                            stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/health")
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN}"},
                        timeout=60)

    def fire() -> float:
        # Leave the last round's maintenance first, unheard (clients take entered only).
        http.post("/v1/targets/platform/maintenance/exit", json={"reason": "bench"})
        time.sleep(0.2)
        http.post("/v1/targets/platform/maintenance/enter",
                  json={"reason": "bench"}).raise_for_status()
        return time.monotonic()

    url = f"ws://127.0.0.1:{port}/v1/stream?token={ADMIN}&types=maintenance.entered"
    return proc, url, fire


def _baseline(workdir: Path) -> tuple[subprocess.Popen[bytes], str, object]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "baseline_app:create_fanout_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level",
         "warning", "--ws-per-message-deflate", "false"], cwd=Path(__file__).parent)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/fire")
    http = httpx.Client(base_url=base, timeout=60)

    def fire() -> float:
        http.post("/fire").raise_for_status()
        return time.monotonic()

    return proc, f"ws://127.0.0.1:{port}/ws", fire


def run(clients: int) -> None:
    results = {}
    for name, start in (("baseline", _baseline), ("pitstop", _pitstop)):
        with tempfile.TemporaryDirectory() as tmp:
            proc, url, fire = start(Path(tmp))
            try:
                results[name] = _fan_out(url, clients, fire)
            finally:
                proc.terminate()
                proc.wait()
    aim = 0.05 if clients <= 1000 else 0.5
    print(f"{clients} clients, {ROUNDS} events each:")
    for name, values in results.items():
        print(f"  {name:<9} p50 {_percentile(values, 0.5) * 1000:7.1f} ms   "
              f"p99 {_percentile(values, 0.99) * 1000:7.1f} ms")
    ratio = _percentile(results["baseline"], 0.99) / _percentile(results["pitstop"], 0.99)
    pitstop_p99 = _percentile(results["pitstop"], 0.99)
    print(f"  p99 ratio baseline / pitstop = {ratio:.2f} (above 1: pitstop is faster); "
          f"aim p99 < {aim * 1000:.0f} ms: {'met' if pitstop_p99 < aim else 'NOT met'}")


if __name__ == "__main__":
    _raise_nofile()
    for n in [int(a) for a in sys.argv[1:]] or [1000, 10000]:
        run(n)
