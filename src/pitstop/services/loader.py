"""Loading the snapshot from the database at start."""

from __future__ import annotations

from collections import deque

from pitstop.services.records import lease_from_row, target_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import DURATIONS_KEPT, Principal
from pitstop.storage import leases as leases_q
from pitstop.storage import targets as targets_q
from pitstop.storage import tokens as tokens_q


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
            state.tokens[row["hash"]] = Principal(row["id"], row["name"], row["role"])
