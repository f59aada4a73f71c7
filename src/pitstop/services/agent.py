"""What an agent sees: its node's config (workloads masked in maintenance, nothing else
changed), an ETag for it, and its heartbeats. The per-node rate limit is in
``services.authlimit``; ``services.config_watch`` tells when a config changes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.domain.state import EffectiveState
from pitstop.encoding import dumps
from pitstop.errors import InvalidInput, NotFound
from pitstop.services import reported_work
from pitstop.services.events import Event
from pitstop.services.nodes import get_node
from pitstop.services.records import node_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot
from pitstop.services.targets import describe_target, target_state
from pitstop.storage import nodes as nodes_q


def config_document(state: Snapshot, target: str, now: datetime) -> dict[str, Any]:
    """The desired config; in maintenance, ``workloads`` is ``[]`` and a ``maintenance``
    object names the causes and the end if known. Every other field is unchanged."""
    node = get_node(state, target)  # raises NotFound first: an unknown node has no state
    return _document(node.config, target_state(state, target, now))


def _document(config: dict[str, Any], eff: EffectiveState) -> dict[str, Any]:
    doc = dict(config)
    if eff.in_maintenance:
        doc["workloads"] = []
        doc["maintenance"] = {"causes": [c.to_json() for c in eff.causes], "until": eff.until}
    return doc


def encoded_config(rt: Runtime, target: str, now: datetime) -> tuple[bytes, str]:
    """The config's JSON body and its ETag, cached until the snapshot changes. Only the
    effective state is read, not the drain: the config watch encodes every node's config
    after each change that may touch them."""
    key = ("agent-config", target)
    cached = rt.view_cache.get(key, now)
    if cached is None:
        node = get_node(rt.state, target)
        eff = target_state(rt.state, target, now)
        body = dumps(_document(node.config, eff))
        ends = [c.until for c in eff.causes if c.until is not None]
        next_start = rt.state.next_start_after(now)
        if next_start is not None:
            ends.append(next_start)
        cached = body + b"\n" + _etag(body).encode()
        rt.view_cache.put(key, cached, min(ends, default=None))
    body, _, etag = cached.rpartition(b"\n")
    return body, etag.decode()


async def changed_config(rt: Runtime, target: str, etag: str, wait_s: float
                         ) -> tuple[bytes, str]:
    """A held poll: the node's config once it no longer has ``etag`` (the agent's, current
    when asked), or as it is after ``wait_s``."""
    changed = await rt.config_watch.wait(target, etag, wait_s)
    return changed if changed is not None else encoded_config(rt, target, clock.now())


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


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
