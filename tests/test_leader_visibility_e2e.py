"""Which replica runs the scheduler is visible without pg_locks: ``/health`` says
``leader``, ``/metrics`` has ``pitstop_scheduler_leader``, and the log tells of a takeover."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from pitstop.services.backplane import RETRY_S
from tests import pg
from tests.live import LiveServer, until


def _health(server: LiveServer) -> dict:
    return httpx.get(server.url + "/health", timeout=5).json()


def _gauge(server: LiveServer) -> float:
    text = httpx.get(server.url + "/metrics", timeout=5).text
    family = next(f for f in text_string_to_metric_families(text)
                  if f.name == "pitstop_scheduler_leader")
    return family.samples[0].value


def _replica(tmp_path: Path, name: str, pg_url: str) -> LiveServer:
    workdir = tmp_path / name
    workdir.mkdir()
    return LiveServer(workdir, database_url=pg_url).start()


def test_exactly_one_replica_reports_leading_and_another_takes_over_when_it_dies(
        pg_url: str | None, tmp_path: Path):
    if pg_url is None:
        pg.skip_or_fail()
    asyncio.run(pg.reset(pg_url))
    servers = [_replica(tmp_path, name, pg_url) for name in ("a", "b")]
    try:
        # A previous test's leader may hold the lock a moment after it closed.
        until(lambda: sorted(_health(s)["leader"] for s in servers) == [False, True],
              within=RETRY_S * 5)
        leader, follower = servers if _health(servers[0])["leader"] else servers[::-1]
        assert (_gauge(leader), _gauge(follower)) == (1, 0)
        replica = _health(follower)["replica"]
        assert replica and replica != _health(leader)["replica"]
        before = len(follower.log.read_text())
        leader.kill()  # as when its machine dies: its session, and the lock, go with it
        until(lambda: _health(follower)["leader"], within=RETRY_S * 5)
        assert _gauge(follower) == 1
        until(lambda: f"WARNING:  replica {replica} took over the scheduler"
              in follower.log.read_text()[before:])
    finally:
        for server in servers:
            server.stop()
