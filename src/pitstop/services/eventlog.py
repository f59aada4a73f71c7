"""Recording domain events in the event log, inside the transaction of the change."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.encoding import dumps
from pitstop.services import outbox
from pitstop.services.events import Event
from pitstop.storage import events as events_q


async def record(conn: AsyncConnection, events: Sequence[Event]) -> list[Event]:
    """Append the streamed ones to the log in ``conn``'s transaction; returns the events
    with their ids, in order, and writes the notifications they cause to the outbox.
    Call it last in the transaction, then publish what it returns:
    a change and its events commit together or not at all."""
    streamed = [e for e in events if e.streamed]
    if not streamed:
        return list(events)
    ids = await events_q.append_events(conn=conn, rows=[
        {"at": e.at, "type": e.type, "target": e.target, "data": orjson.loads(dumps(e.data))}
        for e in streamed])
    numbered = dict(zip((id(e) for e in streamed), ids, strict=True))
    out = [dataclasses.replace(e, id=numbered[id(e)]) if id(e) in numbered else e
           for e in events]
    await outbox.enqueue(conn, [e for e in out if e.id is not None])
    await events_q.announce(conn, ids)
    return out
