"""The silences pitstop wants in Alertmanager, written in the transaction of the change that
causes them (a step of the event log, registered by ``services.wiring``).

The step does not translate events into silences one by one: when a change touches what
decides maintenance (switches, occurrences, windows, targets, rules) it works out, in the
change's transaction and from the stored state, which silences are wanted now — one per
rule, target it matches and cause of that target's maintenance — and writes the difference
to the ``silences`` table: new rows, new ends, rows to expire. The silence worker
(``notify.silences``) makes Alertmanager agree. A crash after the commit delays a silence,
and a change that never committed never silences anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.silences import (
    SilenceRule,
    cause_key,
    live_key,
    parse_matchers,
    parse_selector,
)
from pitstop.domain.state import effective_state, public_text
from pitstop.domain.targets import PLATFORM, scope_of
from pitstop.domain.windows import window_causes
from pitstop.services.events import Event
from pitstop.services.records import gating_pair, switch_from_row
from pitstop.storage import silences as silences_q
from pitstop.storage import targets as targets_q
from pitstop.storage import windows as windows_q
from pitstop.storage.engine import Database

# The events after which the silences wanted may differ.
DECIDING = ("maintenance.", "node.maintenance_", "occurrence.", "window.", "target.",
            "node.registered", "node.deleted")
# Of those, the ones that may change the silences of any target (a window's selector).
EVERY_TARGET = ("occurrence.", "window.")
# What the sync compares of a wanted silence with its row.
COMPARED = ("matchers", "comment", "ends_at")


def rule_from_row(row: Mapping[str, Any]) -> SilenceRule:
    return SilenceRule(row["id"], row["name"], parse_selector(row["selector"]),
                       parse_matchers(row["matchers"]), timedelta(seconds=row["padding_s"]))


async def record(conn: AsyncConnection, events: Sequence[Event]) -> int:
    """The event log's step: sync the wanted silences when the events may change them —
    only those of the targets the events are about, unless one may change any target's."""
    deciding = [e for e in events if e.type.startswith(DECIDING)]
    if not deciding:
        return 0
    return await sync(conn, events[0].at, targets=_touched(deciding))


def _touched(events: Sequence[Event]) -> set[str] | None:
    """The targets whose silences ``events`` may change; None for every target (a window,
    an occurrence, or the platform, which is in every target's scope)."""
    out: set[str] = set()
    for event in events:
        if event.type.startswith(EVERY_TARGET) or event.target in (None, PLATFORM):
            return None
        out.add(event.target)
    return out


async def sync(conn: AsyncConnection, now: datetime, *, targets: set[str] | None = None
               ) -> int:
    """Write the difference between the silences wanted at ``now`` and the rows (of every
    target, or of ``targets``): insert the new, update what changed, mark for expiry those
    wanted no more (and take back one wanted again before it was expired). Returns how many
    rows it wrote. A change on one node costs what that node's silences cost, not the
    fleet's."""
    rules = [rule_from_row(r) for r in await silences_q.list_rules(conn=conn)]
    rows = await silences_q.live_silences(conn=conn, targets=targets)
    if not rules and not rows:
        return 0
    wanted = await _wanted(conn, rules, now, targets) if rules else {}
    written = 0
    for row in rows:
        values = _change(row, wanted.pop(row["live_key"], None), now)
        if values:
            await silences_q.change_silence(conn=conn, silence_id=row["id"], values=values)
            written += 1
    await silences_q.insert_silences(conn=conn, rows=[
        {**want, "live_key": key, "state": silences_q.ACTIVE, "synced": False, "revision": 0,
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for key, want in sorted(wanted.items())])
    return written + len(wanted)


async def resync(db: Database) -> int:
    """The sync in a transaction of its own: what the silence worker does when it checks
    (after a restart, a rule's change while the worker was away, a missed wake)."""
    async with db.write() as conn:
        return await sync(conn, clock.now())


def _change(row: Mapping[str, Any], want: dict[str, Any] | None, now: datetime
            ) -> dict[str, Any]:
    unsynced = {"synced": False, "attempts": 0, "next_attempt_at": now, "last_error": None}
    if want is None:
        return {"state": silences_q.ENDING, **unsynced} \
            if row["state"] == silences_q.ACTIVE else {}
    differs = {k: want[k] for k in COMPARED if row[k] != want[k]}
    if row["state"] == silences_q.ENDING:  # wanted again before it was expired
        return {**differs, "state": silences_q.ACTIVE, **unsynced}
    return {**differs, **unsynced} if differs else {}


async def _wanted(conn: AsyncConnection, rules: list[SilenceRule], now: datetime,
                  only: set[str] | None) -> dict[str, dict[str, Any]]:
    """By live key: the silences wanted at ``now`` (on every target, or on ``only``), one
    per rule, target it matches and cause of the target's maintenance (the platform's
    switch is a cause on every target)."""
    rows = await targets_q.list_targets(conn=conn) if only is None else \
        await targets_q.get_targets(conn=conn, ids=sorted(only | {PLATFORM}))
    labels = {r["id"]: dict(r["labels"] or {}) for r in rows}
    switches = {r["id"]: s for r in rows if (s := switch_from_row(r)) is not None}
    pairs = [gating_pair(r) for r in await windows_q.gating_occurrences(
        conn=conn, now=now, limit=now)]
    public = await silences_q.public_window_ids(conn=conn) if pairs else set()
    out: dict[str, dict[str, Any]] = {}
    for target, own in labels.items():
        if only is not None and target not in only:
            continue  # the platform's row, read for its switch and labels
        matching = [r for r in rules if r.matches(target, own)]
        if not matching:
            continue
        scope = {s: labels.get(s, {}) for s in scope_of(target)}
        state = effective_state(target, switches, now, window_causes(target, scope, pairs, now))
        for cause in state.causes:
            comment = f"{target}: {public_text([cause], public)}"
            for rule in matching:
                matchers = rule.render(target, own)
                if matchers is None:
                    continue
                key = live_key(rule.id, target, cause_key(cause))
                out[key] = {"rule_id": rule.id, "target": target, "cause": cause_key(cause),
                            "matchers": matchers, "comment": comment,
                            "ends_at": None if cause.until is None
                            else cause.until + rule.padding}
    return out
