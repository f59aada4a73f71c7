"""Loading the snapshot from the database at start."""

from __future__ import annotations

from collections import deque
from datetime import datetime

from pitstop import clock
from pitstop.services.records import (
    lease_from_row,
    node_from_row,
    occurrence_from_row,
    target_from_row,
    window_from_row,
)
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import DURATIONS_KEPT, principal_from_row
from pitstop.storage import leases as leases_q
from pitstop.storage import nodes as nodes_q
from pitstop.storage import targets as targets_q
from pitstop.storage import tokens as tokens_q
from pitstop.storage import windows as windows_q


async def refresh_snapshot(rt: Runtime) -> None:
    """Re-read what other replicas may have changed: switches, tokens and active leases.

    Events from this process keep the snapshot current at once; this pass bounds how stale
    it can be about changes made elsewhere (a token revoked on another replica stops
    working here within one pass). A lease missing from the database's active set ended
    elsewhere, unless it was admitted after the read began.
    """
    state = rt.state
    read_started = clock.now()
    async with rt.db.read() as conn:
        target_rows = await targets_q.list_targets(conn=conn)
        lease_rows = await leases_q.active_leases(conn=conn)
        token_rows = await tokens_q.list_tokens(conn=conn)
        window_rows = await windows_q.list_windows(conn=conn)
        occurrence_rows = await windows_q.live_occurrences(conn=conn)
        node_rows = await nodes_q.list_nodes(conn=conn)
    _refresh_windows(rt, window_rows, occurrence_rows, read_started)
    registered = {row["target"] for row in node_rows}
    for target in [t for t, n in state.nodes.items()
                   if t not in registered and n.created_at < read_started]:
        del state.nodes[target]  # unregistered elsewhere
    for row in node_rows:
        state.put_node(node_from_row(row))
    for row in target_rows:
        state.put_target(target_from_row(row))
    state.tokens = {row["hash"]: principal_from_row(row)
                    for row in token_rows}
    active = {row["id"] for row in lease_rows}
    for lease in list(state.leases.values()):
        if lease.id not in active and lease.acquired_at < read_started:
            state.end_lease(lease.id, None, lease.kind, released=False)
    state.reconcile_leases(lease_from_row(row) for row in lease_rows)


def _refresh_windows(rt: Runtime, window_rows: list, occurrence_rows: list,
                     read_started: datetime) -> None:
    state = rt.state
    stored = {row["id"] for row in window_rows}
    for window_id in [w.id for w in state.windows.values()
                      if w.id not in stored and w.created_at < read_started]:
        state.drop_window(window_id)
    for row in window_rows:
        state.put_window(window_from_row(row))
    live = {row["id"] for row in occurrence_rows}
    for occ in list(state.occurrences.values()):
        if occ.id not in live and occ.updated_at < read_started:
            state.occurrences.pop(occ.id, None)  # ended or deleted elsewhere
            state.windows_changed()
    for row in occurrence_rows:
        state.put_occurrence(occurrence_from_row(row))


async def load_snapshot(rt: Runtime) -> None:
    """Fill the snapshot: targets with their switches, active leases, tokens, durations."""
    state = rt.state
    async with rt.db.read() as conn:
        for row in await targets_q.list_targets(conn=conn):
            state.put_target(target_from_row(row))
        for row in await leases_q.active_leases(conn=conn):
            state.put_lease(lease_from_row(row))
        for kind, values in (await leases_q.recent_durations(
                conn=conn, per_kind=DURATIONS_KEPT)).items():
            state.durations[kind] = deque(reversed(values), maxlen=DURATIONS_KEPT)
        for row in await tokens_q.list_tokens(conn=conn):
            state.tokens[row["hash"]] = principal_from_row(row)
        for row in await windows_q.list_windows(conn=conn):
            state.put_window(window_from_row(row))
        for row in await windows_q.live_occurrences(conn=conn):
            state.put_occurrence(occurrence_from_row(row))
        for row in await nodes_q.list_nodes(conn=conn):
            state.put_node(node_from_row(row))
    rt.config_watch.prime()
    rt.drain_watch.prime()
