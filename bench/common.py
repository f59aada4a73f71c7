"""Helpers shared by the benchmarks: servers as subprocesses, wrk runs, ratios."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 20, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(interval)
    raise RuntimeError(f"{url} did not come up")


def uvicorn(app: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """One uvicorn worker with the same settings for every server we compare."""
    cmd = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
           "--port", str(port), "--no-access-log", "--log-level", "warning"]
    return subprocess.Popen(cmd, env={**os.environ, **env}, cwd=cwd)


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("this benchmark needs wrk: apt-get install -y wrk")
    return wrk


def wrk_rps(url: str, *, header: str | None = None, seconds: int = 5,
            connections: int = 32) -> float:
    cmd = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    return _requests_per_second(cmd, url)


def wrk_script(base: str, script: Path, *, seconds: int = 5, connections: int = 32) -> float:
    """req/s of wrk driven by a Lua ``script`` against ``base``; any non-2xx is an error."""
    cmd = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base]
    return _requests_per_second(cmd, f"{base} ({script.name})")


def _requests_per_second(cmd: list[str], what: str) -> float:
    """Run wrk; its Requests/sec, or an error for any non-2xx answer."""
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx responses from {what}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(out)
    return float(match.group(1))


async def admin_runtime(url: str, secret: str):  # type: ignore[no-untyped-def]
    """A migrated database at ``url`` with the admin token ``secret``, and a runtime on it
    with its snapshot loaded: ``(db, rt)``, for a bench to fill; then ``close_runtime``."""
    from pitstop.services.loader import load_snapshot
    from pitstop.services.tokens import ensure_admin
    from pitstop.services.wiring import wire
    from pitstop.settings import Settings
    from pitstop.storage.engine import Database
    from pitstop.storage.migrate import upgrade

    db = Database(url)
    await upgrade(db)
    rt = wire(Settings(database_url=url), db)
    await load_snapshot(rt)
    await ensure_admin(rt=rt, secret=secret)
    return db, rt


async def close_runtime(db, rt) -> None:  # type: ignore[no-untyped-def]
    """Wait for the events the fill derived to be recorded, then close the database: a
    derived event's transaction cut off by the end of the loop would leak its connection."""
    await rt.settle()
    await db.dispose()


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` (Linux), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def rss_mib(pid: int) -> float:
    return rss_kib(pid) / 1024


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (Linux): start-up cost
    that does not depend on what else the machine is doing."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median(values: list[float]) -> float:
    return statistics.median(values)


def thread_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds per thread of process ``pid`` (Linux), keyed by thread name and id."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        head, fields = (task / "stat").read_text().rsplit(")", 1)
        name = head.split("(", 1)[1]
        values = fields.split()
        out[f"{name}/{task.name}"] = (int(values[11]) + int(values[12])) / tick
    return out


def compare(servers: dict[str, tuple[str, dict[str, str], str]], measure, *,  # type: ignore[no-untyped-def]
            rounds: int = 3, cwd: Path | None = None, with_pid: bool = False
            ) -> dict[str, list[float]]:
    """Start each server (name -> (uvicorn factory, env, readiness path)), then measure
    them in alternation for ``rounds`` rounds with ``measure(port)`` (``measure(port,
    pid)`` when ``with_pid``); stop them all."""
    cwd = cwd or Path(__file__).resolve().parent
    ports = {name: free_port() for name in servers}
    procs = [uvicorn(app, ports[name], env, cwd) for name, (app, env, _) in servers.items()]
    pids = {name: proc.pid for name, proc in zip(servers, procs, strict=True)}
    try:
        for name, (_, _, ready) in servers.items():
            wait_up(f"http://127.0.0.1:{ports[name]}{ready}")
        results: dict[str, list[float]] = {name: [] for name in servers}
        for _ in range(rounds):
            for name, port in ports.items():
                results[name].append(measure(port, pids[name]) if with_pid else measure(port))
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    return results


def report(results: dict[str, list[float]], labels: dict[str, str], unit: str) -> float:
    """Print each side's median with its rounds; return the ratio ours / baseline."""
    for name, label in labels.items():
        rounds = ", ".join(f"{v:.0f}" for v in results[name])
        print(f"{label:<28} {name:<9} {median(results[name]):10.0f} {unit}  (rounds: {rounds})")
    ratio = median(results["pitstop"]) / median(results["baseline"])
    print(f"ratio pitstop / baseline = {ratio:.2f}")
    return ratio
