"""What an agent sees: its node's config (workloads masked in maintenance, nothing else
changed), an ETag for it, its heartbeats, a per-node rate limit, and a ``node.config_changed``
event whenever what its config endpoint would return changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.encoding import dumps
from pitstop.errors import InvalidInput, NotFound, RateLimited
from pitstop.services import reported_work
from pitstop.services.events import Event
from pitstop.services.nodes import get_node
from pitstop.services.records import node_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot
from pitstop.services.targets import describe_target
from pitstop.storage import nodes as nodes_q

# Events that cannot change any agent's config: skipping them keeps the watcher off the
# hot paths (leases, heartbeats, tokens).
_IRRELEVANT = ("lease.", "token.", "node.reported", "node.work_", "node.config_changed",
               "service.status_reported")


def config_document(state: Snapshot, target: str, now: datetime) -> dict[str, Any]:
    """The desired config; in maintenance, ``workloads`` is ``[]`` and a ``maintenance``
    object names the causes and the end if known. Every other field is unchanged."""
    doc = dict(get_node(state, target).config)
    view = describe_target(state, target, now)
    if view.state.in_maintenance:
        doc["workloads"] = []
        doc["maintenance"] = {"causes": [c.to_json() for c in view.state.causes],
                              "until": view.state.until}
    return doc


def encoded_config(rt: Runtime, target: str, now: datetime) -> tuple[bytes, str]:
    """The config's JSON body and its ETag, cached until the snapshot changes."""
    key = ("agent-config", target)
    cached = rt.view_cache.get(key, now)
    if cached is None:
        body = dumps(config_document(rt.state, target, now))
        view = describe_target(rt.state, target, now)
        ends = [c.until for c in view.state.causes if c.until is not None]
        if view.next_window_start is not None:
            ends.append(view.next_window_start)
        cached = body + b"\n" + _etag(body).encode()
        rt.view_cache.put(key, cached, min(ends, default=None))
    body, _, etag = cached.rpartition(b"\n")
    return body, etag.decode()


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


class AgentLimiter:
    """A token bucket per node: ``rate`` requests per second, ``burst`` at once."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, node: str) -> None:
        now = clock.monotonic()
        tokens, at = self._buckets.get(node, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) * self.rate)
        if tokens < 1:
            wait = int((1 - tokens) / self.rate) + 1
            self._buckets[node] = (tokens, now)
            raise RateLimited(f"node {node} polls too fast: at most {self.rate:g} requests "
                              f"per second; retry in {wait} s", retry_after=wait)
        self._buckets[node] = (tokens - 1, now)


class ConfigWatch:
    """Emits ``node.config_changed`` for each node whose config document changed."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._etags: dict[str, str] = {}

    def prime(self) -> None:
        now = clock.now()
        for target in self._rt.state.nodes:
            self._etags[target] = encoded_config(self._rt, target, now)[1]

    def forget(self, events: Iterable[Event]) -> None:
        """Derived events that were not recorded: derive them again next time."""
        for event in events:
            if event.type == "node.config_changed" and event.target:
                self._etags.pop(event.target, None)

    def derive(self, events: Iterable[Event]) -> list[Event]:
        if all(e.type.startswith(_IRRELEVANT) for e in events):
            return []
        now, out = clock.now(), []
        for target in list(self._rt.state.nodes):
            etag = encoded_config(self._rt, target, now)[1]
            if self._etags.get(target) != etag:
                out.append(Event("node.config_changed", target, now, {"etag": etag}))
            self._etags[target] = etag
        for gone in set(self._etags) - set(self._rt.state.nodes):
            del self._etags[gone]
        return out


def _running(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        raise InvalidInput("running must be a list of {workload, started_at}", field="running")
    return raw


async def report(*, rt: Runtime, target: str, version: str | None,
                 running: list[dict[str, Any]]) -> dict[str, Any]:
    """Record a heartbeat: the agent's version and what it runs (its in-flight work). It
    replaces the last report, so work recorded lost (its node was offline) counts again;
    a run an admin force-released stays released (see services.reported_work)."""
    now = clock.now()
    rows = [{"workload": r["workload"], "started_at": r["started_at"]} for r in _running(running)]
    async with rt.db.write() as conn:
        previous = await nodes_q.get_node(conn=conn, target=target, lock=True)
        rows = reported_work.carry_releases(previous, rows)
        row = await nodes_q.update_node(conn=conn, target=target, values={
            "agent_version": version, "running": rows, "reported_at": now})
    if row is None:
        raise NotFound(f"{target} is no longer registered", node=target)
    rt.state.seen[target] = now
    rt.publish([Event("node.reported", target, now, {"running": len(rows)},
                      node_from_row(row))])
    etag = encoded_config(rt, target, now)[1]
    view = describe_target(rt.state, target, now)
    released = [{"workload": r["workload"], **r["released"]} for r in rows if "released" in r]
    return {"etag": etag, "in_maintenance": view.state.in_maintenance,
            "running": len(rows), "safe_to_deploy": view.drain.safe_to_deploy,
            "released": released}
