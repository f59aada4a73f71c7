"""Recording domain events in the event log, inside the transaction of the change.

:class:`EventLog` numbers the streamed events in the log, then runs the steps the
composition root (``services.wiring``) registered, in the same transaction: today the
outbox (the notifications the events cause) and, on PostgreSQL, the NOTIFY that tells the
other replicas. A change, its events and what they cause commit together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop.encoding import dumps
from pitstop.services.events import Event
from pitstop.storage import audit as audit_q
from pitstop.storage import events as events_q

# A step gets the transaction and the events just logged (each with its id).
Step = Callable[[AsyncConnection, list[Event]], Awaitable[object]]


@dataclasses.dataclass(frozen=True)
class EventLog:
    steps: tuple[Step, ...] = ()

    async def record(self, conn: AsyncConnection, events: Sequence[Event]) -> list[Event]:
        """Append the streamed ones to the log in ``conn``'s transaction and run the steps
        on them; returns the events with their ids, in order. Call it last in the
        transaction, then publish what it returns."""
        streamed = [e for e in events if e.streamed]
        if not streamed:
            return list(events)
        ids = await events_q.append_events(conn=conn, rows=[
            {"at": e.at, "type": e.type, "target": e.target,
             "data": orjson.loads(dumps(e.data))}
            for e in streamed])
        numbered = dict(zip((id(e) for e in streamed), ids, strict=True))
        out = [dataclasses.replace(e, id=numbered[id(e)]) if id(e) in numbered else e
               for e in events]
        logged = [e for e in out if e.id is not None]
        for step in self.steps:
            await step(conn, logged)
        return out

    async def record_change(self, conn: AsyncConnection, event: Event, *, actor: str,
                            details: dict[str, Any], reason: str | None = None
                            ) -> list[Event]:
        """One change someone made: its audit row (the event's type as the action, at its
        time, on its target) and the event, in ``conn``'s transaction. Call it last in the
        transaction, then publish what it returns."""
        await audit_q.append_audit(conn=conn, at=event.at, actor=actor, action=event.type,
                                   target=event.target, reason=reason, details=details)
        return await self.record(conn, [event])


async def announce(conn: AsyncConnection, events: list[Event]) -> None:
    """The step that tells the other replicas the log grew (a no-op on SQLite)."""
    await events_q.announce(conn, [e.id for e in events if e.id is not None])
