"""Long-poll agents: 10,000 agents each holding ``GET /v1/agent/config?wait_s=60`` with its
config's ETag; one enter of the platform changes every node's config (workloads masked).
Measured: from sending that enter to each held poll's answer reaching its agent (p50, p99,
and the last), and the server's memory per held poll.

The baseline, in the same run with the same clients: a bare Starlette long-poll endpoint on the
same uvicorn (bench/baseline_app.py:create_longpoll_app), whose polls all wait on one shared
asyncio.Event and answer a small JSON body when POST /fire sets it. It is what any ASGI app
pays to hold and answer that many requests — no auth, no per-node config, no database — so
the ratio shows what pitstop adds on top of the framework, not what a naive design would cost.

The agents are plain HTTP/1.1 sockets in separate processes (uvloop): each first asks for its
config without waiting (for the ETag), then holds the poll on the same connection. An
answer's time is when its bytes reach the agent's process.

    python bench/agent_longpoll.py [AGENTS ...]      (default: 10000)
    python bench/agent_longpoll.py 10000 --py-spy fire.svg   (pitstop's answer profiled; .txt: raw)

Each server's CPU seconds from the change to the last answer are printed too: unlike the
latencies, they do not depend on what else the machine is doing.

Aim (issue 17): p99 <= 200 ms for 10,000 held polls on this machine.
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
import warnings
from pathlib import Path

import httpx
from sqlalchemy.exc import SAWarning

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import cpu_s, free_port, rss_kib, wait_up

ADMIN = "pst_bench-admin-token-0123456789"
PROCESSES = 4
WAIT_S = 60
CONFIG = {"workloads": [{"name": "shipper", "image": "vector:0.40"}, {"name": "metrics"}],
          "poll_interval_s": 30}


def _raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class _Agent(asyncio.Protocol):
    """Asks once for the ETag, then holds the poll; notes when the held poll's answer comes."""

    def __init__(self, host: str, path: str, token: str | None, ready: asyncio.Future[None]
                 ) -> None:
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.request = f"GET {path}?wait_s=%s HTTP/1.1\r\nHost: {host}\r\n{auth}%s\r\n"
        self.ready, self.buffer, self.answered = ready, b"", 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write((self.request % (0, "")).encode())

    def data_received(self, data: bytes) -> None:
        if self.ready.done():
            self.answered = self.answered or time.monotonic()
            return
        self.buffer += data
        head, sep, body = self.buffer.partition(b"\r\n\r\n")
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
        lowered = {k.lower(): v for k, v in headers.items()}
        if not sep or len(body) < int(lowered.get(b"content-length", b"0")):
            return
        if not head.startswith(b"HTTP/1.1 200"):
            self.ready.set_exception(RuntimeError(head.split(b"\r\n")[0].decode()))
            return
        etag = lowered[b"etag"].decode()
        assert self.transport is not None
        self.transport.write((self.request % (WAIT_S, f"If-None-Match: {etag}\r\n")).encode())
        self.ready.set_result(None)


async def _agents_main(port: int, path: str, tokens: list[str | None], pipe
                       ) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    agents = []
    for start in range(0, len(tokens), 100):
        batch = []
        for token in tokens[start:start + 100]:
            agent = _Agent(f"127.0.0.1:{port}", path, token, loop.create_future())
            await loop.create_connection(lambda a=agent: a, "127.0.0.1", port)
            agents.append(agent)
            batch.append(agent.ready)
        await asyncio.gather(*batch)
    await asyncio.sleep(0.5)  # the last polls reach the server and are held
    pipe.send("ready")
    await loop.run_in_executor(None, pipe.recv)  # "done"
    pipe.send([a.answered for a in agents])
    for agent in agents:
        if agent.transport is not None:
            agent.transport.abort()


def _agents_process(port: int, path: str, tokens: list[str | None], pipe
                    ) -> None:  # type: ignore[no-untyped-def]
    _raise_nofile()
    import uvloop

    uvloop.run(_agents_main(port, path, tokens, pipe))


def _hold_and_fire(port: int, path: str, tokens: list[str | None], fire, pid: int,
                   spy: Path | None = None) -> tuple[list[float], float, float]:  # type: ignore[no-untyped-def]
    """Hold one poll per token from separate processes, fire one change, and return each
    poll's latency (s), the server's KiB per held poll and its CPU seconds meanwhile."""
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    before = rss_kib(pid)
    for i in range(PROCESSES):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_agents_process, args=(port, path, tokens[i::PROCESSES], child))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    for pipe in pipes:
        if pipe.recv() != "ready":
            raise RuntimeError("an agent process failed")
    per_poll = (rss_kib(pid) - before) / len(tokens)
    window = 2.0 + len(tokens) / 5000
    spying = None if spy is None else subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(pid), "-o",
         str(spy), "-d", str(int(window) + 1), "-r", "200",
         *(() if spy.suffix == ".svg" else ("-f", "raw"))], stdout=subprocess.DEVNULL)
    if spying is not None:
        time.sleep(1.0)  # py-spy attached
    cpu = cpu_s(pid)
    sent = time.monotonic()
    fire()
    time.sleep(window)
    cpu = cpu_s(pid) - cpu
    if spying is not None:
        spying.wait()
    latencies = []
    for pipe in pipes:
        pipe.send("done")
        answered = pipe.recv()
        if not all(answered):
            raise RuntimeError(f"{answered.count(0.0)} polls were not answered")
        latencies.extend(t - sent for t in answered)
    for proc in procs:
        proc.join(30)
    return latencies, per_poll, cpu


async def _prepare(url: str, agents: int) -> list[str]:
    """A database with ``agents`` registered nodes, each with CONFIG; their agent tokens.
    Registered a thousand to a transaction, as register_node stores each (a transaction
    per node would take minutes here)."""
    from pitstop import clock
    from pitstop.services.targets import save_labels
    from pitstop.services.tokens import ensure_admin, insert_token
    from pitstop.services.wiring import wire
    from pitstop.settings import Settings
    from pitstop.storage import nodes as nodes_q
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import upgrade

    db = Database(url)
    await upgrade(db)
    warnings.filterwarnings("ignore", "The garbage collector", SAWarning)
    rt = wire(Settings(database_url=url), db)
    await ensure_admin(rt=rt, secret=ADMIN)
    tokens, now = [], clock.now()
    for start in range(0, agents, 1000):
        async with db.write() as conn:
            for i in range(start, min(agents, start + 1000)):
                target = f"node:n{i}"
                await save_labels(conn, target, {}, actor="bench", now=now)
                await nodes_q.insert_node(conn=conn, values={
                    "target": target, "config": CONFIG, "config_updated_at": now,
                    "config_updated_by": "bench", "running": [], "created_at": now})
                created, _ = await insert_token(conn=conn, name=f"agent {target}",
                                                role="agent", actor="bench", node=target)
                tokens.append(created.secret)
    await db.dispose()
    return tokens


def _pitstop(workdir: Path, agents: int):  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{workdir / 'pitstop.db'}"
    tokens = asyncio.run(_prepare(url, agents))
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")},
           "PITSTOP_DATABASE_URL": url, "PITSTOP_PORT": str(port),
           "PITSTOP_LOG_LEVEL": "warning", "PITSTOP_AGENT_RATE_PER_S": "1000000",
           "PITSTOP_AGENT_BURST": "1000000"}
    proc = subprocess.Popen([sys.executable, "-m", "pitstop", "serve"], env=env, cwd=workdir,
                            stdout=subprocess.DEVNULL)
    wait_up(f"http://127.0.0.1:{port}/health", timeout=180)  # it loads every node first
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120,
                        headers={"Authorization": f"Bearer {ADMIN}"})

    def fire() -> None:
        http.post("/v1/targets/platform/maintenance/enter",
                  json={"reason": "bench"}).raise_for_status()

    return proc, port, "/v1/agent/config", tokens, fire


def _baseline(workdir: Path, agents: int):  # type: ignore[no-untyped-def]
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "baseline_app:create_longpoll_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level",
         "warning"], cwd=Path(__file__).parent)
    wait_up(f"http://127.0.0.1:{port}/poll")
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120)

    def fire() -> None:
        http.post("/fire").raise_for_status()

    return proc, port, "/poll", [None] * agents, fire


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(agents: int, spy: Path | None = None
        ) -> dict[str, tuple[float, float, float, float, float]]:
    results = {}
    for name, start in (("bare Starlette", _baseline), ("pitstop", _pitstop)):
        with tempfile.TemporaryDirectory() as tmp:
            proc, port, path, tokens, fire = start(Path(tmp), agents)
            try:
                values, kib, cpu = _hold_and_fire(port, path, tokens, fire, proc.pid,
                                                  spy if name == "pitstop" else None)
            finally:
                proc.terminate()
                proc.wait()
        results[name] = (_percentile(values, 0.5), _percentile(values, 0.99), max(values), kib,
                         cpu)
    print(f"{agents} agents holding GET ?wait_s={WAIT_S}, one config change:")
    for name, (p50, p99, last, kib, cpu) in results.items():
        print(f"  {name:<15} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
              f"last {last * 1000:7.1f} ms   {kib:5.1f} KiB per held poll   "
              f"{cpu:5.2f} s of server CPU")
    p99, base = results["pitstop"][1], results["bare Starlette"][1]
    print(f"  p99 ratio bare Starlette / pitstop = {base / p99:.2f} (above 1: pitstop is "
          f"faster); aim p99 <= 200 ms: {'met' if p99 <= 0.2 else 'NOT met'}")
    return results


if __name__ == "__main__":
    _raise_nofile()
    args = sys.argv[1:]
    spy_to = None
    if "--py-spy" in args:
        at = args.index("--py-spy")
        spy_to = Path(args[at + 1]).resolve()
        del args[at:at + 2]
    for n in [int(a) for a in args] or [10000]:
        run(n, spy_to)
