"""Nodes: registration with an agent token, desired config, health, and admin-only toggles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain import nodes as fleet_rules
from pitstop.domain.targets import TargetId, parse_target, validate_labels
from pitstop.encoding import dumps
from pitstop.errors import Conflict, InvalidInput, NotFound, TooLarge
from pitstop.services import maintenance
from pitstop.services.events import Event
from pitstop.services.fleet_records import NodeRecord
from pitstop.services.records import node_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import Snapshot
from pitstop.services.targets import TargetView, describe_target, save_labels
from pitstop.services.tokens import CreatedToken, insert_token
from pitstop.storage import audit as audit_q
from pitstop.storage import nodes as nodes_q
from pitstop.storage import tokens as tokens_q

ONLINE, OFFLINE, UNKNOWN = "online", "offline", "unknown"


def node_id(name: str) -> TargetId:
    try:
        return parse_target(f"node:{name}")
    except ValueError as exc:
        raise InvalidInput(str(exc).replace("'node:", "'"), field="name") from None


def poll_interval_s(rt: Runtime, node: NodeRecord) -> float:
    return fleet_rules.poll_interval_s(node.config, rt.settings.agent_poll_interval_s)


def health(rt: Runtime, node: NodeRecord, now: datetime) -> tuple[str, datetime | None]:
    """Online until 3 poll intervals pass without contact, offline after, unknown before
    any contact. Independent of maintenance: a node in maintenance can be offline too."""
    seen = rt.state.seen.get(node.target)
    if seen is None:
        return UNKNOWN, None
    offline = fleet_rules.is_offline(seen, poll_interval_s(rt, node), now)
    return (OFFLINE if offline else ONLINE), seen


@dataclass(frozen=True, slots=True)
class NodeView:
    node: NodeRecord
    target: TargetView
    health: str
    last_seen: datetime | None
    poll_interval_s: float

    def to_json(self) -> dict[str, Any]:
        n, t = self.node, self.target
        return {
            "name": n.name, "target": n.target, "labels": t.record.labels,
            "health": self.health, "last_seen": self.last_seen,
            "agent_version": n.agent_version, "poll_interval_s": self.poll_interval_s,
            "running": [r.to_json() for r in n.running],  # lost_at / released if so
            "in_maintenance": t.state.in_maintenance,
            "causes": [c.to_json() for c in t.state.causes], "until": t.state.until,
            "drain": t.drain.to_json(), "config": n.config,
            "config_updated_at": n.config_updated_at, "config_updated_by": n.config_updated_by,
        }


def get_node(state: Snapshot, target: str) -> NodeRecord:
    node = state.nodes.get(target)
    if node is None:
        raise NotFound(f"node {target.split(':', 1)[1]!r} is not registered; register it "
                       "with POST /v1/nodes", node=target)
    return node


def describe_node(rt: Runtime, name: str, now: datetime | None = None) -> NodeView:
    now = now or clock.now()
    node = get_node(rt.state, str(node_id(name)))
    status, seen = health(rt, node, now)
    return NodeView(node, describe_target(rt.state, node.target, now), status, seen,
                    poll_interval_s(rt, node))


def list_nodes(rt: Runtime) -> list[NodeView]:
    now = clock.now()
    return [describe_node(rt, n.name, now) for n in sorted(rt.state.nodes.values(),
                                                           key=lambda n: n.target)]


def _config(raw: Any, *, limit: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput("config must be a JSON object", field="config")
    if not isinstance(raw.get("workloads"), list):
        raise InvalidInput("config needs a workloads list (it may be empty)",
                           field="config.workloads")
    if "maintenance" in raw:  # the agent could not tell the operator's from pitstop's
        raise InvalidInput("config.maintenance is reserved: pitstop sets it while the node is "
                           "in maintenance (its causes and end); give your field another name",
                           field="config.maintenance")
    try:
        size = len(dumps(raw))
    except TypeError:  # orjson's only refusal of parsed JSON: an integer beyond 64 bits
        raise InvalidInput("config has an integer beyond 64 bits: send it as a string",
                           field="config") from None
    if size > limit:
        # Every poll of the node's agent serves the config: it is kept small on purpose.
        raise TooLarge(f"config is {size} bytes as JSON; a node's config may have at most "
                       f"{limit} (the server's PITSTOP_MAX_NODE_CONFIG_BYTES)",
                       field="config", limit=limit)
    return raw


async def register_node(*, rt: Runtime, name: str, labels: dict[str, str], actor: str
                        ) -> tuple[NodeView, CreatedToken]:
    """Register a node (its target is created or relabelled) and create its agent token,
    whose secret is returned once."""
    target = str(node_id(name))
    try:
        labels = validate_labels(labels)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="labels") from None
    now = clock.now()
    async with rt.db.write() as conn:
        if await nodes_q.get_node(conn=conn, target=target) is not None:
            raise Conflict(f"node {name!r} is registered already; rotate its token with "
                           f"POST /v1/nodes/{name}/token/rotate", node=target)
        target_event = await save_labels(conn, target, labels, actor=actor, now=now)
        await nodes_q.insert_node(conn=conn, values={
            "target": target, "config": {"workloads": []}, "config_updated_at": now,
            "config_updated_by": actor, "running": [], "created_at": now})
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="node.registered",
                                   target=target, reason=None, details={"labels": labels})
        created, token_event = await insert_token(conn=conn, name=f"agent {target}",
                                                  role="agent", actor=actor, node=target)
        record = node_from_row(await nodes_q.get_node(conn=conn, target=target))
        events = await rt.eventlog.record(conn, [
            *([target_event] if target_event else []), token_event,
            Event("node.registered", target, now, {"labels": labels}, record)])
    rt.publish(events)
    return describe_node(rt, name), created


async def _revoke_agent_tokens(conn: AsyncConnection, target: str, actor: str,
                               now: datetime) -> list[Event]:
    events = []
    for token in await nodes_q.active_agent_tokens(conn=conn, target=target):
        await tokens_q.revoke_token(conn=conn, token_id=token["id"], at=now)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="token.revoked",
                                   target=target, reason=None,
                                   details={"before": {"id": token["id"], "role": "agent"}})
        events.append(Event("token.revoked", target, now, {"id": token["id"]}, token["id"]))
    return events


async def rotate_token(*, rt: Runtime, name: str, actor: str) -> CreatedToken:
    """Revoke the node's agent token and create a new one (shown once)."""
    node = get_node(rt.state, str(node_id(name)))
    now = clock.now()
    async with rt.db.write() as conn:
        events = await _revoke_agent_tokens(conn, node.target, actor, now)
        created, event = await insert_token(conn=conn, name=f"agent {node.target}",
                                            role="agent", actor=actor, node=node.target)
    rt.publish([*events, event])
    return created


async def delete_node(*, rt: Runtime, name: str, actor: str) -> None:
    """Unregister a node and revoke its agent token. Its target stays (with its history)."""
    node = get_node(rt.state, str(node_id(name)))
    now = clock.now()
    async with rt.db.write() as conn:
        events = await _revoke_agent_tokens(conn, node.target, actor, now)
        await nodes_q.delete_node(conn=conn, target=node.target)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="node.deleted",
                                   target=node.target, reason=None, details={})
        events = await rt.eventlog.record(
            conn, [*events, Event("node.deleted", node.target, now, {}, node)])
    rt.publish(events)


async def set_config(*, rt: Runtime, names: list[str], config: Any, actor: str
                     ) -> list[NodeRecord]:
    """Store the desired config of each node in one transaction."""
    config = _config(config, limit=rt.settings.max_node_config_bytes)
    targets = [str(node_id(n)) for n in names]
    for target in targets:
        get_node(rt.state, target)
    now = clock.now()
    events = []
    async with rt.db.write() as conn:
        for target in targets:
            row = await nodes_q.update_node(conn=conn, target=target, values={
                "config": config, "config_updated_at": now, "config_updated_by": actor})
            if row is None:
                raise NotFound(f"node {target} is not registered", node=target)
            await audit_q.append_audit(conn=conn, at=now, actor=actor,
                                       action="node.config_set", target=target, reason=None,
                                       details={"after": config})
            events.append(Event("node.config_set", target, now, {}, node_from_row(row)))
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    return [e.payload for e in events]


def names_matching(rt: Runtime, labels: dict[str, str]) -> list[str]:
    """Registered nodes whose labels include every one of ``labels``."""
    return sorted(n.name for n in rt.state.nodes.values()
                  if (t := rt.state.targets.get(n.target)) is not None
                  and all(t.labels.get(k) == v for k, v in labels.items()))


async def toggle(*, rt: Runtime, name: str, enter: bool, reason: str, actor: str,
                 hold: str | None = None, public_message: str | None = None,
                 every: bool = False, force: bool = False) -> maintenance.SwitchResult:
    """Enter or exit maintenance for one node, audited as node.maintenance_entered/exited
    (and _joined/_left for a second holder)."""
    target = get_node(rt.state, str(node_id(name))).target
    if enter:
        return await maintenance.enter_maintenance(
            rt=rt, target=target, reason=reason, actor=actor, hold=hold,
            public_message=public_message, action="node.maintenance_entered", force=force)
    return await maintenance.exit_maintenance(rt=rt, target=target, reason=reason, actor=actor,
                                              hold=hold, every=every,
                                              action="node.maintenance_exited")
