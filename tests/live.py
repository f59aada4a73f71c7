"""A real ``pitstop serve`` process on a free port, for CLI, SDK and end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ADMIN = "pst_test-admin-token-0123456789"


def until(check: Callable[[], object], within: float = 5.0) -> None:
    """Wait for another process to show a change (it sends no event to wait on)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.01)
    raise AssertionError(f"not within {within} s")


def alive(pid: int) -> bool:
    """Whether a process (a workload the test started indirectly) still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, workdir: Path, database_url: str | None = None,
                 **settings: str) -> None:
        self.workdir = workdir
        self.settings = settings  # extra PITSTOP_* variables for the server
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = database_url or f"sqlite+aiosqlite:///{workdir / 'pitstop.db'}"
        self.token = ADMIN
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "server.log"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PITSTOP_")}
        env["PITSTOP_URL"] = self.url
        if self.token:
            env["PITSTOP_TOKEN"] = self.token
        env.update(extra)
        return env

    def start(self) -> LiveServer:
        extra = {"PITSTOP_ADMIN_TOKEN": ADMIN} if self.token else {}
        env = self.env(PITSTOP_DATABASE_URL=self.database_url, PITSTOP_PORT=str(self.port),
                       **extra, **self.settings)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "pitstop", "serve"],
                                            cwd=self.workdir, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine dies."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def cli(self, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pitstop", *args], env=self.env(**env),
                              capture_output=True, text=True, timeout=timeout,
                              cwd=self.workdir)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"x-admin-code": self.token},
                            timeout=30)
