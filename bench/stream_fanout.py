"""Stream fan-out: from an enter being acknowledged to its event reaching every connected
client, for 1,000 and 10,000 clients (p50 and p99), and the server's memory per idle client.

pitstop (`pitstop serve` on SQLite) frames each event once and writes the same bytes to every
client's socket (src/pitstop/api/wire.py). It is measured against a baseline in the same run:
a bare Starlette app on the same uvicorn (both without per-message deflate, as `pitstop serve`
runs) whose POST answers at once and then sends the event to every client in a plain loop of
per-client sends, encoding it for each. pitstop's SSE endpoint is measured the same way.

The clients live in separate processes (uvloop) and connect to each server alike. They read
plain sockets and do no more than find where each frame ends: a WebSocket client (after the
RFC 6455 handshake) cuts the server's unmasked frames apart by their headers and answers pings,
an SSE client looks for the event's name in each chunk. With `--websockets-library`, the
WebSocket clients are the `websockets` library's instead: it parses every frame in Python
(~20 µs each), and 10,000 of them then take one CPU longer to read than the server takes to
write them, so the figure is the clients'.

On a machine with two CPUs or more, the server (pitstop and the baseline alike) runs on the
first CPU and the client processes on the others, so the clients' reading does not take the
server's CPU; the bench's own process, which sends the enter and notes its answer, shares the
server's CPU (it is asleep while the server works). `--no-pin` leaves the placement to the
scheduler.

Each round is one enter (and an exit that nobody listens to). Latency = when the event's bytes
reach the client's process - the moment the POST's answer arrived (CLOCK_MONOTONIC is shared
by the processes; an event that beats the answer counts 0). pitstop sends an event before it
answers the POST, so the p99 from the moment the POST was sent is printed too (and SSE is
compared with WebSocket on it). Memory = the server's RSS growth from before the clients
connect to when they are all connected and idle, over their number.

    python bench/stream_fanout.py [--no-pin] [--websockets-library] [CLIENTS ...]
                                                              (default: 1000 10000)

Aims (issue 17): WebSocket p99 <= 15 ms at 1,000 clients, <= 100 ms and >= 4x better than the
plain loop at 10,000; SSE p99 within 1.5x of WebSocket; <= 50 KiB per idle client.
"""

from __future__ import annotations

import asyncio
import base64
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import free_port, rss_kib, wait_up

ADMIN = "pst_bench-admin-token-0123456789"
ROUNDS = 5
PROCESSES = 4  # client processes; the clients are spread evenly over them


def cpu_split() -> tuple[set[int], set[int]] | None:
    """(the server's CPUs, the clients' CPUs): the first CPU this process may use, and the
    rest; None with fewer than two."""
    cpus = sorted(os.sched_getaffinity(0))
    return ({cpus[0]}, set(cpus[1:])) if len(cpus) >= 2 else None


PIN = cpu_split()  # set to None (--no-pin) to leave the placement to the scheduler
WEBSOCKETS_LIBRARY = False  # True (--websockets-library): the `websockets` library's clients


def _raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _websocket(url: str, times: list[float]):  # type: ignore[no-untyped-def]
    """A `websockets` client; a text frame starting a read is an event (uvicorn also pings)."""
    from websockets.asyncio.client import ClientConnection, connect

    class Timed(ClientConnection):
        def data_received(self, data: bytes) -> None:
            if data[:1] == b"\x81":
                times.append(time.monotonic())
            super().data_received(data)

    return await connect(url, ping_interval=None, max_queue=None, open_timeout=120,
                         create_connection=Timed)


async def _websocket_plain(url: str, times: list[float]):  # type: ignore[no-untyped-def]
    """A WebSocket client on a plain socket: the RFC 6455 handshake, then the server's frames
    (never masked) are cut apart by their headers; a text frame is an event, a ping is
    answered (uvicorn pings every 20 s). It reads as cheaply as the SSE client."""
    loop = asyncio.get_running_loop()
    parts = urlsplit(url)
    opened: asyncio.Future[None] = loop.create_future()

    class Plain(asyncio.Protocol):
        def __init__(self) -> None:
            self.buffer = b""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            now, buffer = time.monotonic(), self.buffer + data
            if not opened.done():
                head, found, buffer = buffer.partition(b"\r\n\r\n")
                if not found:
                    self.buffer = head
                    return
                if not head.startswith(b"HTTP/1.1 101"):
                    opened.set_exception(RuntimeError(head.decode(errors="replace")))
                    return
                opened.set_result(None)
            while len(buffer) >= 2:
                size, start = buffer[1] & 0x7F, 2
                if size >= 126:
                    start = 4 if size == 126 else 10
                    if len(buffer) < start:
                        break
                    size = int.from_bytes(buffer[2:start], "big")
                if len(buffer) < start + size:
                    break
                opcode = buffer[0] & 0x0F
                if opcode == 0x1:
                    times.append(now)
                elif opcode == 0x9:  # pong with the ping's payload (<= 125 bytes), mask 0
                    self.transport.write(bytes((0x8A, 0x80 | size)) + bytes(4)  # type: ignore[attr-defined]
                                         + buffer[start:start + size])
                buffer = buffer[start + size:]
            self.buffer = buffer

    transport, _ = await loop.create_connection(Plain, parts.hostname, parts.port)
    key = base64.b64encode(os.urandom(16)).decode()
    transport.write(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                    f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n".encode())
    await asyncio.wait_for(opened, 120)
    return transport


async def _sse(url: str, times: list[float]):  # type: ignore[no-untyped-def]
    """A plain HTTP/1.1 client of /v1/events: an event is a chunk naming its type."""
    loop = asyncio.get_running_loop()
    parts = urlsplit(url)

    class Timed(asyncio.Protocol):
        def data_received(self, data: bytes) -> None:
            if b"event: maintenance.entered" in data:
                times.append(time.monotonic())

    transport, _ = await loop.create_connection(Timed, parts.hostname, parts.port)
    transport.write(f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                    "Accept: text/event-stream\r\n\r\n".encode())
    return transport


async def _client_main(url: str, count: int, pipe, library: bool  # type: ignore[no-untyped-def]
                       ) -> None:
    open_one = _sse if "/v1/events" in url else _websocket if library else _websocket_plain
    received: list[list[float]] = [[] for _ in range(count)]
    sockets = []
    for start in range(0, count, 100):
        batch = received[start:start + 100]
        sockets.extend(await asyncio.gather(*(open_one(url, times) for times in batch)))
    loop = asyncio.get_running_loop()
    pipe.send("ready")
    await loop.run_in_executor(None, pipe.recv)  # "done"
    pipe.send(received)
    for sock in sockets:
        sock.transport.abort() if hasattr(sock, "transport") else sock.abort()


def _client_process(url: str, count: int, pipe, cpus: set[int] | None,  # type: ignore[no-untyped-def]
                    library: bool) -> None:
    if cpus is not None:
        os.sched_setaffinity(0, cpus)
    _raise_nofile()
    import uvloop

    uvloop.run(_client_main(url, count, pipe, library))


def _fan_out(url: str, clients: int, fire, pid: int  # type: ignore[no-untyped-def]
             ) -> tuple[list[float], list[float], float]:
    """Connect ``clients`` in separate processes, fire ROUNDS events one after another, and
    return every (client, round) latency in seconds from the answer and from the request,
    and the server's KiB per idle client.
    A client's k-th event is the k-th round's (each round waits for the last to arrive)."""
    ctx = mp.get_context("spawn")
    pipes, procs = [], []
    before = rss_kib(pid)
    for i in range(PROCESSES):
        parent, child = ctx.Pipe()
        share = clients // PROCESSES + (1 if i < clients % PROCESSES else 0)
        proc = ctx.Process(target=_client_process,
                           args=(url, share, child, PIN and PIN[1], WEBSOCKETS_LIBRARY))
        proc.start()
        pipes.append(parent)
        procs.append(proc)
    for pipe in pipes:
        if pipe.recv() != "ready":
            raise RuntimeError("a client process failed to connect")
    settle = 0.5 if clients <= 1000 else 2.0
    time.sleep(settle)
    per_client = (rss_kib(pid) - before) / clients
    fired = []
    for _ in range(ROUNDS):
        fired.append(fire())
        time.sleep(settle)
    latencies, from_sent = [], []
    for pipe in pipes:
        pipe.send("done")
        for times in pipe.recv():
            if len(times) != ROUNDS:
                raise RuntimeError(f"a client got {len(times)} of {ROUNDS} events")
            for t, (sent, acked) in zip(times, fired, strict=True):
                latencies.append(max(0.0, t - acked))
                from_sent.append(t - sent)
    for proc in procs:
        proc.join(30)
    return latencies, from_sent, per_client


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _server(cmd: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
    """A server process, on the server's CPU when pinned (set before it execs, so every
    thread it starts inherits it)."""
    if PIN is not None:
        cpus = PIN[0]
        kwargs["preexec_fn"] = lambda: os.sched_setaffinity(0, cpus)
    return subprocess.Popen(cmd, **kwargs)  # type: ignore[call-overload]


def _pitstop(workdir: Path, path: str) -> tuple[subprocess.Popen[bytes], str, object]:
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")},
           "PITSTOP_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'pitstop.db'}",
           "PITSTOP_PORT": str(port), "PITSTOP_ADMIN_TOKEN": ADMIN,
           "PITSTOP_LOG_LEVEL": "warning"}
    proc = _server([sys.executable, "-m", "pitstop", "serve"], env=env, cwd=workdir,
                   stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/health")
    http = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN}"},
                        timeout=60)

    def fire() -> tuple[float, float]:
        # Leave the last round's maintenance first, unheard (clients take entered only).
        http.post("/v1/targets/platform/maintenance/exit", json={"reason": "bench"})
        time.sleep(0.2)
        sent = time.monotonic()
        http.post("/v1/targets/platform/maintenance/enter",
                  json={"reason": "bench"}).raise_for_status()
        return sent, time.monotonic()

    scheme = "ws" if path == "/v1/stream" else "http"
    url = f"{scheme}://127.0.0.1:{port}{path}?token={ADMIN}&types=maintenance.entered"
    return proc, url, fire


def _baseline(workdir: Path, path: str) -> tuple[subprocess.Popen[bytes], str, object]:
    port = free_port()
    proc = _server(
        [sys.executable, "-m", "uvicorn", "baseline_app:create_fanout_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level",
         "warning", "--ws-per-message-deflate", "false"], cwd=Path(__file__).parent)
    base = f"http://127.0.0.1:{port}"
    wait_up(base + "/fire")
    http = httpx.Client(base_url=base, timeout=60)

    def fire() -> tuple[float, float]:
        sent = time.monotonic()
        http.post("/fire").raise_for_status()
        return sent, time.monotonic()

    return proc, f"ws://127.0.0.1:{port}/ws", fire


RUNS = (("plain loop (WS)", _baseline, "/ws"), ("pitstop WS", _pitstop, "/v1/stream"),
        ("pitstop SSE", _pitstop, "/v1/events"))


def run(clients: int) -> dict[str, tuple[float, float, float, float]]:
    """(p50, p99, p99 from the request, KiB per idle client) per run, printed."""
    results = {}
    own = os.sched_getaffinity(0)
    if PIN is not None:  # this process sends the enters: beside the server, off the clients
        os.sched_setaffinity(0, PIN[0])
    try:
        for name, start, path in RUNS:
            with tempfile.TemporaryDirectory() as tmp:
                proc, url, fire = start(Path(tmp), path)
                try:
                    values, from_sent, kib = _fan_out(url, clients, fire, proc.pid)
                finally:
                    proc.terminate()
                    proc.wait()
            results[name] = (_percentile(values, 0.5), _percentile(values, 0.99),
                             _percentile(from_sent, 0.99), kib)
    finally:
        os.sched_setaffinity(0, own)
    kind = "the websockets library's" if WEBSOCKETS_LIBRARY else "plain-socket"
    print(f"{clients} clients ({kind} WebSocket clients) in {PROCESSES} processes, {ROUNDS} "
          f"events each, {_placement()} (from the POST's answer; p99 from the POST sent in "
          "brackets):")
    for name, (p50, p99, sent_p99, kib) in results.items():
        print(f"  {name:<16} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms "
              f"({sent_p99 * 1000:7.1f} ms)   {kib:5.1f} KiB per idle client")
    return results


def _placement() -> str:
    if PIN is None:
        return "server and clients placed by the scheduler"
    def cpus(s: set[int]) -> str:
        return ",".join(map(str, sorted(s)))
    return f"server pinned to CPU {cpus(PIN[0])}, clients to CPU {cpus(PIN[1])}"


def report(clients: int, results: dict[str, tuple[float, float, float, float]]) -> None:
    """The aims, read two ways. From the answer (the issue's measure): pitstop sends before
    it answers, so its clients often have the event first and its p99 can be 0. From the
    request sent: both sides include sending to every client, so this ratio is the fair one."""
    base, ws, _ = (results[name][1] for name, _, _ in RUNS)
    base_sent = results["plain loop (WS)"][2]
    ws_sent, sse_sent = results["pitstop WS"][2], results["pitstop SSE"][2]
    aim = 0.015 if clients <= 1000 else 0.1
    print(f"  from the answer: WS p99 {ws * 1000:.1f} ms (aim <= {aim * 1000:.0f} ms): "
          f"{'met' if ws <= aim else 'NOT met'}; the plain loop {base * 1000:.1f} ms"
          + (f" (aim: pitstop >= 4x better: {'met' if base >= 4 * ws else 'NOT met'}; "
             "pitstop sends before it answers, so this reading favours it)"
             if clients >= 10000 else ""))
    ratio = base_sent / ws_sent if ws_sent else float("inf")
    print(f"  from the request sent: p99 ratio plain loop / pitstop WS = {ratio:.2f} "
          "(above 1: pitstop is faster; the stricter reading, the sends to every client "
          "counted on both sides"
          + (f"; >= 4x this way: {'met' if ratio >= 4 else 'NOT met'})" if clients >= 10000
             else ")"))
    sse_ws = sse_sent / ws_sent if ws_sent else float("inf")
    print(f"  from the request sent: p99 ratio SSE / WS = {sse_ws:.2f} (aim <= 1.5): "
          f"{'met' if sse_ws <= 1.5 else 'NOT met'}")
    kib = results["pitstop WS"][3]
    print(f"  memory per idle WS client {kib:.1f} KiB (aim <= 50): "
          f"{'met' if kib <= 50 else 'NOT met'}")


if __name__ == "__main__":
    _raise_nofile()
    args = sys.argv[1:]
    if "--no-pin" in args:
        args.remove("--no-pin")
        PIN = None
    if "--websockets-library" in args:
        args.remove("--websockets-library")
        WEBSOCKETS_LIBRARY = True
    for n in [int(a) for a in args] or [1000, 10000]:
        report(n, run(n))
