"""Writing notifications to the outbox, in the transaction of the change that causes them.

A step of the event log (registered by ``services.wiring``), run with the change's numbered
events: the outbox rows commit with the change or not at all, so a crash after the commit
delays a notification but never loses it, and one that never committed is never sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.domain.notifications import Notification, SubscriptionRule, needs_labels
from pitstop.encoding import dumps
from pitstop.i18n import negotiate
from pitstop.services.events import Event
from pitstop.services.messages import (
    kind_of,
    occurrence_note,
    scheduled_note,
    switch_note,
    update_note,
)
from pitstop.services.records import window_from_row
from pitstop.storage import notifications as notify_q
from pitstop.storage import subscribers as subs_q
from pitstop.storage import targets as targets_q
from pitstop.storage import windows as windows_q

NOTIFYING_TYPES = frozenset({"window.created", "maintenance.entered", "maintenance.exited",
                             "occurrence.transitioned", "occurrence.moved",
                             "occurrence.reminder", "maintenance_update.posted"})


async def enqueue(conn: AsyncConnection, events: Sequence[Event]) -> int:
    """Write one outbox row per notification and subscribed channel; returns how many
    were new (the same fact reported twice is skipped by the unique key)."""
    candidates = [(e, kind) for e in events if (kind := kind_of(e)) is not None]
    if not candidates:
        return 0
    rules = [_rule(r) for r in await notify_q.list_subscriptions(conn=conn)]
    wanted = {kind for rule in rules for kind in rule.events}
    candidates = [(e, kind) for e, kind in candidates if kind in wanted]
    if not candidates:
        return 0
    notes = [await _note(conn, e, kind, events) for e, kind in candidates]
    notes = [n for n in notes if n is not None]
    labels = await _labels(conn) if needs_labels(rules, notes) else {}
    rows = []
    public = await _public_channels(conn, rules)
    for note in notes:
        channels = sorted({r.channel_id for r in rules if r.wants(note, labels)})
        for channel in channels:
            if channel not in public:
                rows.append(_row(note, channel, events[0].at, note.message))
            elif (message := note.public_in(negotiate(public[channel]))) is not None:
                rows.append(_row(note, channel, events[0].at, message))
    return await notify_q.insert_deliveries(conn=conn, rows=rows)


async def _public_channels(conn: AsyncConnection, rules: Sequence[SubscriptionRule]
                           ) -> dict[str, str | None]:
    """The public subscribers' channels among the rules', with each one's language."""
    ids = sorted({r.channel_id for r in rules})
    audiences = await notify_q.channel_audiences(conn=conn, channel_ids=ids)
    public = sorted(cid for cid, audience in audiences.items() if audience == "public")
    return await subs_q.channel_languages(conn=conn, channel_ids=public)


async def _note(conn: AsyncConnection, event: Event, kind: str, batch: Sequence[Event]
                ) -> Notification | None:
    if kind == "scheduled":
        row = await windows_q.get_window(conn=conn, window_id=int(event.data["window"]))
        firsts = sorted((e.payload for e in batch if e.type == "occurrence.created"
                         and e.payload.times.window_id == int(event.data["window"])),
                        key=lambda o: o.times.start)
        return None if row is None else scheduled_note(event, window_from_row(row),
                                                       firsts[0] if firsts else None)
    if kind == "maintenance_update":
        if event.data.get("window") is None:
            return update_note(event, None)
        row = await windows_q.get_window(conn=conn, window_id=int(event.data["window"]))
        return None if row is None else update_note(event, window_from_row(row))
    if kind.startswith("maintenance_"):
        return switch_note(kind, event)
    row = await windows_q.get_window(conn=conn, window_id=int(event.data["window"]))
    return None if row is None else occurrence_note(kind, event, window_from_row(row))


def _rule(row: Any) -> SubscriptionRule:
    return SubscriptionRule(id=row["id"], channel_id=row["channel_id"],
                            events=frozenset(row["events"]), target=row["target"],
                            window_id=row["window_id"])


async def _labels(conn: AsyncConnection) -> dict[str, dict[str, str]]:
    return {r["id"]: dict(r["labels"] or {}) for r in await targets_q.list_targets(conn=conn)}


def _row(note: Notification, channel_id: str, now: datetime, message: dict[str, Any]
         ) -> dict[str, Any]:
    event = note.message.get("event") or {}
    return {"dedupe_key": note.dedupe_key, "channel_id": channel_id, "subject": note.subject,
            "event_id": event.get("id"), "kind": note.kind,
            "message": orjson.loads(dumps(message)), "status": notify_q.PENDING,
            "attempts": 0, "created_at": now, "next_attempt_at": now}
