"""Loading the snapshot from the database at start."""

from __future__ import annotations

import asyncio
import secrets
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pitstop import clock
from pitstop.services.page_records import groups_from_rows, overrides_from_rows
from pitstop.services.records import (
    lease_from_row,
    node_from_row,
    occurrence_from_row,
    target_from_row,
    window_from_row,
)
from pitstop.services.runtime import Runtime
from pitstop.services.snapshot import DURATIONS_KEPT, principal_from_row
from pitstop.storage import branding as branding_q
from pitstop.storage import keys as keys_q
from pitstop.storage import leases as leases_q
from pitstop.storage import nodes as nodes_q
from pitstop.storage import targets as targets_q
from pitstop.storage import tokens as tokens_q
from pitstop.storage import windows as windows_q


async def refresh_snapshot(rt: Runtime) -> None:
    """Re-read what other replicas may have changed: switches, tokens, windows, nodes and
    active leases.

    Events from this process keep the snapshot current at once; on PostgreSQL the backplane
    runs this pass when another replica announces a change, and the periodic pass bounds
    how stale the snapshot can be if an announcement was lost.

    Only rows the snapshot lacks, or holds an older version of, are read whole: a pass
    over a hundred thousand unchanged targets, nodes and leases reads their ids and versions
    (what it would have skipped anyway, as ``put_target`` and ``put_node`` keep the newer).
    """
    state = rt.state
    read_started = clock.now()
    async with rt.db.read() as conn:
        stored = await targets_q.target_versions(conn=conn)
        target_rows = await targets_q.get_targets(conn=conn, ids=_newer(stored, state.targets))
        await asyncio.sleep(0)  # each step answers what waits: no one long pause
        active = await leases_q.active_lease_ids(conn=conn)
        lease_rows = await leases_q.get_leases(
            conn=conn, ids=[i for i in active if i not in state.leases])
        await asyncio.sleep(0)
        hashes = await tokens_q.active_hashes(conn=conn)
        new_tokens = await tokens_q.principals(
            conn=conn, hashes=[h for h in hashes if h not in state.tokens])
        await asyncio.sleep(0)
        window_rows = await windows_q.list_windows(conn=conn)
        occurrence_rows = await windows_q.live_occurrences(conn=conn)
        registered = await nodes_q.node_versions(conn=conn)
        node_rows = await nodes_q.get_nodes(conn=conn, targets=_newer(registered, state.nodes))
        await _load_page(rt, conn)
    _refresh_windows(rt, window_rows, occurrence_rows, read_started)
    for target in [t for t, n in state.nodes.items()
                   if t not in registered and n.created_at < read_started]:
        del state.nodes[target]  # unregistered elsewhere
    for row in node_rows:
        state.put_node(node_from_row(row))
    for target in [t for t, r in state.targets.items()
                   if t not in stored and r.updated_at < read_started]:
        del state.targets[target]  # deleted elsewhere
    for row in target_rows:
        state.put_target(target_from_row(row))
    state.tokens = {**{h: p for h, p in state.tokens.items() if h in hashes},
                    **{row["hash"]: principal_from_row(row) for row in new_tokens}}
    await asyncio.sleep(0)
    await _reconcile_leases(rt, set(active), lease_rows)


def _newer(versions: dict[str, int], held: Mapping[str, Any]) -> list[str]:
    """The ids whose stored version the snapshot does not hold yet."""
    return [key for key, version in versions.items()
            if (record := held.get(key)) is None or version > record.version]


async def _reconcile_leases(rt: Runtime, active: set[str], lease_rows: list) -> None:
    """Take the active leases read from the database (``active``: their ids; ``lease_rows``:
    those the snapshot lacked). One the snapshot holds that is not among them either ended
    elsewhere or committed after the read (its ``acquired_at`` is taken before its
    transaction commits, so time cannot tell): ask the database again for those alone, and
    end only the ones that have ended."""
    state = rt.state
    missing = [lease_id for lease_id in state.leases if lease_id not in active]
    if missing:
        async with rt.db.read() as conn:
            ended = await leases_q.ended_leases(conn=conn, ids=missing)
        for row in ended:
            if row["id"] in state.leases:
                state.end_lease(row["id"], None, row["kind"], released=False)
    state.reconcile_leases(lease_from_row(row) for row in lease_rows)


async def refresh_leases(rt: Runtime) -> None:
    """Re-read the active leases alone (others were acquired or ended on another replica):
    a lease changes no other row, so the rest of the snapshot stands."""
    async with rt.db.read() as conn:
        active = await leases_q.active_lease_ids(conn=conn)
        lease_rows = await leases_q.get_leases(
            conn=conn, ids=[i for i in active if i not in rt.state.leases])
    await _reconcile_leases(rt, set(active), lease_rows)


async def refresh_tokens(rt: Runtime) -> None:
    """Re-read the tokens alone (one was created or revoked on another replica)."""
    async with rt.db.read() as conn:
        _put_tokens(rt, await tokens_q.list_tokens(conn=conn))


def _put_tokens(rt: Runtime, rows: list) -> None:
    rt.state.tokens = {row["hash"]: principal_from_row(row) for row in rows}


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
        state.reconcile_leases(lease_from_row(row) for row in await leases_q.active_leases(
            conn=conn))
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
        await _load_page(rt, conn)
    rt.config_watch.prime()  # ETags lazily from here; drain_watch starts in catch_up()


async def _load_page(rt: Runtime, conn: Any) -> None:
    """The public page's branding and service groups (small: read whole every time)."""
    rt.state.page = overrides_from_rows(await branding_q.list_page_settings(conn=conn))
    rt.state.groups = groups_from_rows(*await branding_q.list_groups(conn=conn))


async def load_keys(rt: Runtime) -> None:
    """The keys every replica shares, created by the first one to start."""
    async with rt.db.write() as conn:
        rt.session_key = await keys_q.ensure_key(
            conn=conn, name="session", value=secrets.token_urlsafe(48), at=clock.now())
