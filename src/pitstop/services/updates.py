"""Updates during a maintenance: posting one to an occurrence or to a target's switch
maintenance (audited, logged, notified), and reading them back for the API and the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.lifecycle import Status
from pitstop.domain.switches import live
from pitstop.domain.updates import occurrence_phase, target_phase, validate_body
from pitstop.errors import NotFound
from pitstop.services.events import Event
from pitstop.services.markdown import render
from pitstop.services.records import switch_from_row
from pitstop.services.runtime import Runtime
from pitstop.services.targets import check_target_id
from pitstop.storage import audit as audit_q
from pitstop.storage import targets as targets_q
from pitstop.storage import updates as updates_q
from pitstop.storage import windows as windows_q

EVENT = "maintenance_update.posted"


@dataclass(frozen=True, slots=True)
class UpdateRecord:
    id: int
    status: str
    body: str
    created_at: datetime
    actor: str
    window_id: int | None = None
    occurrence_id: int | None = None
    target: str | None = None

    @property
    def subject(self) -> str:
        return self.target if self.target is not None else f"window:{self.window_id}"

    @property
    def html(self) -> str:
        return render(self.body)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "body": self.body, "html": self.html,
                "created_at": self.created_at, "actor": self.actor,
                "window": self.window_id, "occurrence": self.occurrence_id,
                "target": self.target}


def update_from_row(row: RowMapping) -> UpdateRecord:
    return UpdateRecord(id=row["id"], status=row["status"], body=row["body"],
                        created_at=row["created_at"], actor=row["actor"],
                        window_id=row["window_id"], occurrence_id=row["occurrence_id"],
                        target=row["target"])


async def _occurrence_row(conn: AsyncConnection, window_id: int, occurrence_id: int, *,
                          lock: bool) -> RowMapping:
    row = await windows_q.get_occurrence(conn=conn, occurrence_id=occurrence_id, lock=lock)
    if row is None or row["window_id"] != window_id or row["deleted"]:
        if await windows_q.get_window(conn=conn, window_id=window_id) is None:
            raise NotFound(f"window {window_id} does not exist", window=window_id)
        raise NotFound(f"window {window_id} has no occurrence {occurrence_id}",
                       window=window_id, occurrence=occurrence_id)
    return row


async def _save(rt: Runtime, conn: AsyncConnection, values: dict[str, Any], *,
                audit_target: str) -> tuple[UpdateRecord, list[Event]]:
    record = update_from_row(await updates_q.insert_update(conn=conn, values=values))
    await audit_q.append_audit(
        conn=conn, at=record.created_at, actor=record.actor, action="update.posted",
        target=audit_target, reason=None,
        details={"update": record.id, "status": record.status, "body": record.body,
                 **({"occurrence": record.occurrence_id} if record.occurrence_id else {})})
    data = {"update": record.id, "status": record.status, "body": record.body,
            "actor": record.actor, "window": record.window_id,
            "occurrence": record.occurrence_id}
    events = await rt.eventlog.record(conn, [Event(EVENT, record.subject, record.created_at,
                                                   data, record)])
    return record, events


async def post_occurrence_update(*, rt: Runtime, window_id: int, occurrence_id: int,
                                 body: str, status: str | None, actor: str) -> UpdateRecord:
    """Post an update to an upcoming or ongoing occurrence (not to one that is over)."""
    body, now = validate_body(body), clock.now()
    async with rt.db.write() as conn:
        occ = await _occurrence_row(conn, window_id, occurrence_id, lock=True)
        phase = occurrence_phase(Status(occ["status"]), occ["start"], occ["end"], now, status)
        record, events = await _save(rt, conn, {
            "window_id": window_id, "occurrence_id": occurrence_id, "target": None,
            "status": phase, "body": body, "created_at": now, "actor": actor},
            audit_target=f"window:{window_id}")
    rt.publish(events)
    return record


async def post_target_update(*, rt: Runtime, target: str, body: str, status: str | None,
                             actor: str) -> UpdateRecord:
    """Post an update to the switch maintenance ``target`` is in now."""
    target, body, now = check_target_id(target), validate_body(body), clock.now()
    async with rt.db.write() as conn:
        # A share lock: an exit committing meanwhile is either seen or waits for this.
        row = (await targets_q.lock_targets(conn=conn, ids=(target,), exclusive=False)
               ).get(target)
        if row is None:
            raise NotFound(f"target {target!r} does not exist", target=target)
        phase = target_phase(target, live(switch_from_row(row), now) is not None, status)
        record, events = await _save(rt, conn, {
            "window_id": None, "occurrence_id": None, "target": target, "status": phase,
            "body": body, "created_at": now, "actor": actor}, audit_target=target)
    rt.publish(events)
    return record


async def list_occurrence_updates(*, rt: Runtime, window_id: int, occurrence_id: int
                                  ) -> list[UpdateRecord]:
    """The occurrence's updates, newest first."""
    async with rt.db.read() as conn:
        await _occurrence_row(conn, window_id, occurrence_id, lock=False)
        rows = await updates_q.occurrence_updates(conn=conn, occurrence_ids=(occurrence_id,))
    return [update_from_row(r) for r in rows]


def _switch_on(rt: Runtime, target: str) -> bool:
    record = rt.state.targets.get(target)
    if record is None:
        raise NotFound(f"target {target!r} does not exist", target=target)
    return live(record.switch, clock.now()) is not None


async def list_target_updates(*, rt: Runtime, target: str) -> list[UpdateRecord]:
    """The updates of ``target``'s current switch maintenance, newest first (none when it
    is not in switch maintenance)."""
    if not _switch_on(rt, check_target_id(target)):
        return []
    async with rt.db.read() as conn:
        rows = await updates_q.target_updates(conn=conn, targets=(target,))
    return [update_from_row(r) for r in rows]


async def updates_for_page(rt: Runtime, occurrence_ids: list[int], targets: list[str]
                           ) -> tuple[dict[int, list[UpdateRecord]], dict[str, list[UpdateRecord]]]:
    """The updates of these occurrences and of these targets' current switch maintenance,
    by subject, newest first."""
    switched = [t for t in targets if t in rt.state.targets and _switch_on(rt, t)]
    async with rt.db.read() as conn:
        occ_rows = await updates_q.occurrence_updates(conn=conn, occurrence_ids=occurrence_ids)
        target_rows = await updates_q.target_updates(conn=conn, targets=switched)
    by_occ: dict[int, list[UpdateRecord]] = {}
    for r in occ_rows:
        by_occ.setdefault(r["occurrence_id"], []).append(update_from_row(r))
    by_target: dict[str, list[UpdateRecord]] = {}
    for r in target_rows:
        by_target.setdefault(r["target"], []).append(update_from_row(r))
    return by_occ, by_target
