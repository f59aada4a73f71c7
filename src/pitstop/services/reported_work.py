"""Work that agents report: lost when its node goes offline, force-released by an admin.

An agent's heartbeat says what its node runs; that work counts as in flight (it holds up a
drain) only while the node is online (domain.nodes: 3 poll intervals). At that boundary the
scheduler records each reported run as lost, as it does for a lease whose TTL ran out; the
agent's next report makes its work count again. An admin may force-release one reported
run: it stops counting while the agent goes on reporting that same run (same workload and
start), and a new run of the workload counts again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain import nodes as fleet_rules
from pitstop.domain.drain import LeaseView
from pitstop.errors import Conflict, NotFound
from pitstop.services.events import Event
from pitstop.services.fleet_records import NodeRecord, Running
from pitstop.services.records import iso_z, node_from_row, running_from_json
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage import nodes as nodes_q

SYSTEM = "system"


def next_offline_boundary(rt: Runtime) -> datetime | None:
    """The earliest moment a node whose agent reports work in flight goes offline."""
    return min((at for node in rt.state.nodes.values()
                if any(r.counted for r in node.running)
                and (at := rt.state.offline_at(node)) is not None), default=None)


def _work_json(node: NodeRecord, run: Running) -> dict[str, Any]:
    return {"id": node.workload_id(run.workload), "kind": "workload",
            "holder": f"agent {node.name}", "node": node.name, "workload": run.workload,
            "started_at": iso_z(run.started_at)}


def _as_lease(node: NodeRecord, run: Running) -> LeaseView:
    return LeaseView(id=node.workload_id(run.workload), target=node.target, kind="workload",
                     holder=f"agent {node.name}", phase=run.workload,
                     acquired_at=run.started_at, expected_end=None, expires_at=None,
                     node=node.name, last_heartbeat=node.reported_at)


async def lose_offline_work(*, rt: Runtime, now: datetime) -> int:
    """Record the work of every node that went offline as lost (it stopped counting at the
    boundary already); returns how many runs."""
    due = [n.target for n in rt.state.nodes.values()
           if any(r.counted for r in n.running)
           and (at := rt.state.offline_at(n)) is not None and at <= now]
    if not due:
        return 0
    events: list[Event] = []
    async with rt.db.write() as conn:
        for target in due:
            events.extend(await _lose_node_work(rt, conn, target, now))
        events = await rt.eventlog.record(conn, events)
    rt.publish(events)
    return sum(1 for e in events if e.type == "lease.lost")


async def _lose_node_work(rt: Runtime, conn: AsyncConnection, target: str, now: datetime
                          ) -> list[Event]:
    """Decide again from the stored row: the agent may have reported meanwhile, here or on
    another replica (then the snapshot only learns its newer report)."""
    row = await nodes_q.get_node(conn=conn, target=target, lock=True)
    if row is None:
        rt.state.nodes.pop(target, None)  # unregistered elsewhere
        return []
    node = node_from_row(row)
    rt.state.put_node(node)
    seen = rt.state.seen.get(target)
    interval = fleet_rules.poll_interval_s(node.config, rt.state.agent_poll_interval_s)
    if seen is None or not fleet_rules.is_offline(seen, interval, now):
        return []
    lost = [r for r in node.running if r.counted]
    running = [_stored(r) if r.lost_at else _stored(r, lost_at=iso_z(now))
               for r in node.running]
    fresh = node_from_row(await _store_running(conn, target, running))
    reason = (f"node {node.name} offline: no contact since {iso_z(seen)} (3 poll intervals "
              f"of {interval:g} s); its reported work stopped counting")
    events = []
    for run in lost:
        work = _work_json(node, run)
        await audit_q.append_audit(conn=conn, at=now, actor=SYSTEM, action="lease.lost",
                                   target=target, reason=reason, details={"workload": work})
        events.append(Event("lease.lost", target, now,
                            {"lease": work["id"], "node": node.name, "workload": run.workload},
                            _as_lease(node, run)))
    events.append(Event("node.work_lost", target, now,
                        {"workloads": [r.workload for r in lost]}, fresh))
    return events


async def _store_running(conn: AsyncConnection, target: str, running: list[dict[str, Any]]
                         ) -> RowMapping:
    row = await nodes_q.update_node(conn=conn, target=target, values={"running": running})
    assert row is not None  # locked above
    return row


def carry_releases(previous: RowMapping | None, rows: list[dict[str, Any]]
                   ) -> list[dict[str, Any]]:
    """A new report replaces what the node runs (and clears its lost marks); a run an
    admin released stays released while the agent reports that same run."""
    if previous is None:
        return rows
    released = {(r.workload, r.started_at): r.released
                for r in map(running_from_json, previous["running"]) if r.released}
    if not released:
        return rows
    out = []
    for row in rows:
        mark = released.get((row["workload"], running_from_json(row).started_at))
        out.append({**row, "released": mark} if mark else row)
    return out


async def release_workload(*, rt: Runtime, work_id: str, reason: str, actor: str
                           ) -> dict[str, Any]:
    """Stop counting one reported run (``node:<name>/<workload>``), audited as
    ``lease.force_released`` with who ran it, who released it and why."""
    target, _, workload = work_id.partition("/")
    now = clock.now()
    async with rt.db.write() as conn:
        row = await nodes_q.get_node(conn=conn, target=target, lock=True)
        node = node_from_row(row) if row is not None else None
        run = next((r for r in node.running if r.workload == workload), None) if node else None
        if node is None or run is None:
            raise NotFound(f"{work_id!r} is not in flight; see pitstop leases list",
                           lease=work_id)
        if not run.counted:
            raise Conflict(_ended_text(work_id, run), lease=work_id)
        mark = {"by": actor, "at": iso_z(now), "reason": reason}
        running = [_stored(r, released=mark) if r is run else _stored(r)
                   for r in node.running]
        fresh = node_from_row(await _store_running(conn, target, running))
        work = _work_json(node, run)
        await audit_q.append_audit(conn=conn, at=now, actor=actor,
                                   action="lease.force_released", target=target,
                                   reason=reason, details={"workload": work})
        events = await rt.eventlog.record(conn, [
            Event("lease.force_released", target, now,
                  {"lease": work_id, "holder": work["holder"], "by": actor},
                  _as_lease(node, run)),
            Event("node.work_released", target, now, {"workloads": [workload]}, fresh)])
    rt.publish(events)
    return {**work, "target": target, "released_by": actor, "reason": reason,
            "released_at": now}


def _ended_text(work_id: str, run: Running) -> str:
    if run.released:
        return (f"{work_id} was force-released already by {run.released['by']} at "
                f"{run.released['at']}: {run.released['reason']}")
    return f"{work_id} no longer counts: its node went offline (recorded lost)"


def _stored(run: Running, **changes: Any) -> dict[str, Any]:
    """A run as the ``running`` column holds it (times as RFC 3339 text)."""
    out: dict[str, Any] = {"workload": run.workload, "started_at": iso_z(run.started_at)}
    if run.lost_at is not None:
        out["lost_at"] = iso_z(run.lost_at)
    if run.released is not None:
        out["released"] = run.released
    return {**out, **changes}
