"""What the public side reads from the database: past maintenance, both kinds.

A window's occurrence is a row. A switch-based maintenance is not: it is the span between a
``maintenance.entered`` audit row (the switch went on) and the next ``maintenance.exited``
row of the same target (its last holder left, it expired, or an admin ended it for all).
Holders joining and leaving in between are rows of that span, not periods of their own.
Switches of one target serialize on its row lock, so its audit ids are in the order of its
changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, literal_column, or_, select, union_all
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from pitstop.storage.tables import audit, occurrences, windows

ENTERED, EXITED = "maintenance.entered", "maintenance.exited"
# The rows of a switch-based maintenance, from its start to its end (node switches entered
# through the node API are audited as node.maintenance_*: nodes are never public).
SWITCH_ACTIONS = (ENTERED, "maintenance.joined", "maintenance.left", EXITED)


def _public_target(column: ColumnElement[str], targets: Sequence[str] | None
                   ) -> ColumnElement[bool]:
    """The platform and services are public; nodes are not."""
    if targets is not None:
        return column.in_(list(targets))
    return or_(column == "platform", column.like("service:%"))


def _past_occurrences(now: datetime, window_ids: Sequence[int] | None) -> Select[Any]:
    over = or_(occurrences.c.end <= now, occurrences.c.status.in_(("COMPLETED", "CANCELLED")))
    stmt = (select(literal_column("'window'").label("kind"), occurrences.c.id.label("ref"),
                   occurrences.c.start.label("start"), occurrences.c.end.label("end"))
            .join(windows, windows.c.id == occurrences.c.window_id)
            .where(windows.c.public.is_(True), occurrences.c.deleted.is_(False), over,
                   occurrences.c.start <= now))
    if window_ids is not None:
        stmt = stmt.where(occurrences.c.window_id.in_(list(window_ids)))
    return stmt


def _switch_periods(now: datetime, targets: Sequence[str] | None) -> Select[Any]:
    """One row per ended switch-based maintenance: ``ref`` is the id of the audit row that
    began it, ``end_ref`` that of the row that ended it."""
    began = audit.alias("began")
    start_id = (select(func.max(began.c.id))
                .where(began.c.target == audit.c.target, began.c.action == ENTERED,
                       began.c.id < audit.c.id)
                .scalar_subquery())
    exits = (select(audit.c.target, audit.c.id.label("end_ref"), audit.c.at.label("end"),
                    start_id.label("start_ref"))
             .where(audit.c.action == EXITED, _public_target(audit.c.target, targets))
             .subquery())
    entered = audit.alias("entered")
    return (select(literal_column("'switch'").label("kind"), entered.c.id.label("ref"),
                   entered.c.at.label("start"), exits.c.end.label("end"))
            .join(entered, entered.c.id == exits.c.start_ref)
            .where(entered.c.at <= now))


async def past_maintenance(
    *, conn: AsyncConnection, now: datetime, since: datetime | None, until: datetime | None,
    limit: int, offset: int, targets: Sequence[str] | None = None,
    window_ids: Sequence[int] | None = None, ended_since: datetime | None = None,
) -> list[RowMapping]:
    """Public maintenance that is over, starting in [since, until) (and, with
    ``ended_since``, ending at or after it), newest first: rows of ``kind`` "window" (``ref``
    an occurrence id) and "switch" (``ref`` the audit id of the row that began it), with
    ``start`` and ``end``.

    ``targets`` narrows switch-based maintenance to those targets (default: the platform and
    every service), ``window_ids`` occurrences to those public windows (default: all).
    """
    both = union_all(_past_occurrences(now, window_ids),
                     _switch_periods(now, targets)).subquery()
    stmt = (select(both).order_by(both.c.start.desc(), both.c.kind, both.c.ref.desc())
            .limit(limit).offset(offset))
    if since is not None:
        stmt = stmt.where(both.c.start >= since)
    if until is not None:
        stmt = stmt.where(both.c.start < until)
    if ended_since is not None:
        stmt = stmt.where(both.c.end >= ended_since)
    return list((await conn.execute(stmt)).mappings())


async def occurrences_with_windows(*, conn: AsyncConnection, ids: Sequence[int]
                                   ) -> dict[int, RowMapping]:
    """The occurrences ``ids`` with their window's public fields, by id."""
    if not ids:
        return {}
    stmt = (select(occurrences, windows.c.title, windows.c.description, windows.c.affects,
                   windows.c.updated_at.label("window_updated_at"))
            .join(windows, windows.c.id == occurrences.c.window_id)
            .where(occurrences.c.id.in_(list(ids))))
    return {row["id"]: row for row in (await conn.execute(stmt)).mappings()}


async def switch_rows(*, conn: AsyncConnection, starts: Sequence[int]
                      ) -> dict[int, list[RowMapping]]:
    """For each audit id in ``starts`` (a ``maintenance.entered`` row), the audit rows of
    that maintenance in order: it, the joins and leaves, and its exit if it has one."""
    if not starts:
        return {}
    firsts = (select(audit.c.id, audit.c.target).where(audit.c.id.in_(list(starts)))
              .subquery())
    later = (select(func.min(audit.c.id)).where(audit.c.target == firsts.c.target,
                                                audit.c.action == EXITED,
                                                audit.c.id > firsts.c.id)
             .scalar_subquery())
    spans = select(firsts.c.id.label("first"), firsts.c.target, later.label("last")).subquery()
    stmt = (select(spans.c.first, audit)
            .join(audit, and_(audit.c.target == spans.c.target, audit.c.id >= spans.c.first,
                              or_(spans.c.last.is_(None), audit.c.id <= spans.c.last)))
            .where(audit.c.action.in_(SWITCH_ACTIONS))
            .order_by(audit.c.id))
    out: dict[int, list[RowMapping]] = {start: [] for start in starts}
    for row in (await conn.execute(stmt)).mappings():
        out[row["first"]].append(row)
    return out


async def last_entered(*, conn: AsyncConnection, targets: Sequence[str]) -> dict[str, int]:
    """Of ``targets``, the audit id of the row that began each one's latest switch-based
    maintenance (for one that is on now: the start of the current one)."""
    if not targets:
        return {}
    stmt = (select(audit.c.target, func.max(audit.c.id))
            .where(audit.c.action == ENTERED, audit.c.target.in_(list(targets)))
            .group_by(audit.c.target))
    return {target: int(ident) for target, ident in (await conn.execute(stmt)).all()}
