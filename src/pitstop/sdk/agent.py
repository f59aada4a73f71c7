"""An agent's side of a node: poll the config (with its ETag), apply it, report what runs.

    from pitstop.sdk.agent import Agent

    class Shipper:                      # anything with apply() and running()
        def apply(self, config): ...    # start what is new, stop what is gone
        def running(self): ...          # [{"workload": "x", "started_at": "2026-...Z"}]

    Agent(url, token, Shipper(), version="1.2.0").run()

With ``push`` (the default) each poll is held by the server until the config changes, so a
toggle reaches the agent at once; without it, the agent polls every ``poll_interval_s`` (the
config's own ``poll_interval_s`` wins). While the node is in maintenance the config's
``workloads`` is ``[]`` and the rest is unchanged, so applying it stops the workloads and
still delivers everything else (a pending self-update, say).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

import httpx

from pitstop.sdk.client import _settings
from pitstop.sdk.clock import SYSTEM, Clock
from pitstop.sdk.errors import RateLimited, Unreachable, error_from_response

log = logging.getLogger(__name__)
HOLD_S = 25.0  # how long the server may hold a poll when pushing


class Workloads(Protocol):
    def apply(self, config: dict[str, Any]) -> None: ...

    def running(self) -> list[dict[str, str]]: ...


class Agent:
    def __init__(self, url: str | None, token: str | None, workloads: Workloads, *,
                 version: str | None = None, push: bool = True,
                 poll_interval_s: float = 30.0, timeout_s: float = 10.0,
                 clock: Clock = SYSTEM) -> None:
        base, headers = _settings(url, token)
        self.clock = clock  # the report interval and the waits between polls
        self.workloads, self.version, self.push = workloads, version, push
        self.poll_interval_s = poll_interval_s
        self.etag: str | None = None
        self.config: dict[str, Any] | None = None
        self._http = httpx.Client(base_url=base, headers=headers,
                                  timeout=httpx.Timeout(timeout_s, read=timeout_s + HOLD_S))
        self._stop = threading.Event()

    def poll(self, hold_s: float = 0) -> bool:
        """Fetch the config; apply it and report when it changed. True when it changed."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        params = {"wait_s": hold_s} if hold_s and self.etag else {}
        try:
            response = self._http.get("/v1/agent/config", headers=headers, params=params)
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach pitstop: {exc}") from exc
        if response.status_code == 304:
            return False
        if response.status_code >= 400:
            raise error_from_response(response)
        self.config, self.etag = response.json(), response.headers.get("etag")
        interval = self.config.get("poll_interval_s")
        if isinstance(interval, int | float) and interval > 0:
            self.poll_interval_s = float(interval)
        self.workloads.apply(self.config)
        self.heartbeat()
        return True

    def heartbeat(self) -> dict[str, Any]:
        """Report the agent's version and what it runs (its node's in-flight work)."""
        try:
            response = self._http.post("/v1/agent/heartbeat", json={
                "version": self.version, "running": self.workloads.running()})
        except httpx.TransportError as exc:
            raise Unreachable(f"cannot reach pitstop: {exc}") from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        return response.json()  # type: ignore[no-any-return]

    def run(self) -> None:
        """Poll, apply and report until :meth:`stop`; errors are logged and retried."""
        last_report = -float("inf")
        while not self._stop.is_set():
            try:
                hold = min(HOLD_S, self.poll_interval_s) if self.push else 0
                changed = self.poll(hold)
                if not changed and self.clock.monotonic() - last_report >= self.poll_interval_s:
                    self.heartbeat()
                    last_report = self.clock.monotonic()
                elif changed:
                    last_report = self.clock.monotonic()
                if not self.push:
                    self.clock.wait(self._stop, self.poll_interval_s)
            except RateLimited as exc:
                self.clock.wait(self._stop, exc.retry_after or self.poll_interval_s)
            except Exception as exc:  # keep the node's workloads as they are and retry
                log.warning("pitstop agent: %s; retrying in %.0f s", exc, self.poll_interval_s)
                self.clock.wait(self._stop, min(5.0, self.poll_interval_s))

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._http.close()
