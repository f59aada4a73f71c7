"""Silence rules (which targets in maintenance are silenced in Alertmanager, and with which
matchers), and the silences they made. A rule's change syncs the wanted silences in its
own transaction, so a target already in maintenance is silenced by a new rule at once, and
a deleted rule's silences are expired."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pitstop import clock
from pitstop.domain.silences import PADDING_MAX_S, parse_matchers, parse_selector
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services import silences
from pitstop.services.runtime import Runtime
from pitstop.services.targets import check_target_id
from pitstop.storage import audit as audit_q
from pitstop.storage import silences as silences_q


def rule_json(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "selector": row["selector"],
            "matchers": list(row["matchers"]), "padding_s": row["padding_s"],
            "created_at": row["created_at"], "created_by": row["created_by"]}


def silence_json(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "rule": row["rule_id"], "target": row["target"],
            "cause": row["cause"], "state": row["state"], "synced": row["synced"],
            "alertmanager_id": row["am_id"], "matchers": list(row["matchers"]),
            "comment": row["comment"], "ends_at": row["ends_at"],
            "alertmanager_ends_at": row["am_ends_at"], "attempts": row["attempts"],
            "last_error": row["last_error"], "created_at": row["created_at"],
            "ended_at": row["ended_at"]}


def _checked(name: str, selector: Any, matchers: list[dict[str, Any]], padding_s: int
             ) -> dict[str, Any]:
    if not name.strip() or len(name.strip()) > 100:
        raise InvalidInput("name must be 1-100 characters", field="name")
    try:
        parsed = parse_selector(selector)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="selector") from None
    try:
        parse_matchers(matchers)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="matchers") from None
    if not 0 <= padding_s <= PADDING_MAX_S:
        raise InvalidInput(f"padding_s must be 0-{PADDING_MAX_S} seconds (got {padding_s})",
                           field="padding_s")
    stored = parsed.target if parsed.target is not None else {
        "labels": dict(parsed.labels or ())}
    return {"name": name.strip(), "selector": stored, "padding_s": padding_s,
            "matchers": [{"name": m["name"], "value": m["value"],
                          "isRegex": m.get("isRegex", False), "isEqual": m.get("isEqual", True)}
                         for m in matchers]}


async def _synced(rt: Runtime, conn: AsyncConnection) -> None:
    """Sync the wanted silences in the rule's transaction (when Alertmanager is set)."""
    if rt.silence_worker is not None:
        await silences.sync(conn, clock.now())


def _wake(rt: Runtime) -> None:
    if rt.silence_worker is not None:
        rt.silence_worker.wake()


async def create_silence_rule(*, rt: Runtime, name: str, selector: Any,
                              matchers: list[dict[str, Any]], padding_s: int, actor: str
                              ) -> dict[str, Any]:
    values = _checked(name, selector, matchers, padding_s)
    now = clock.now()
    values |= {"created_at": now, "created_by": actor}
    try:
        async with rt.db.write() as conn:
            rule_id = await silences_q.insert_rule(conn=conn, values=values)
            await audit_q.append_audit(
                conn=conn, at=now, actor=actor, action="silence_rule.created", target=None,
                reason=None, details={"rule": rule_id, **values, "created_at": None})
            await _synced(rt, conn)
    except IntegrityError:
        raise Conflict(f"a silence rule named {values['name']!r} exists already; choose "
                       "another name", name=values["name"]) from None
    _wake(rt)
    return rule_json({"id": rule_id, **values})


async def list_silence_rules(*, rt: Runtime) -> list[dict[str, Any]]:
    async with rt.db.read() as conn:
        return [rule_json(r) for r in await silences_q.list_rules(conn=conn)]


async def delete_silence_rule(*, rt: Runtime, rule_id: int, actor: str) -> None:
    """Delete a rule; its silences are expired in Alertmanager."""
    now = clock.now()
    async with rt.db.write() as conn:
        if not await silences_q.delete_rule(conn=conn, rule_id=rule_id):
            raise NotFound(f"no silence rule {rule_id}; GET /v1/silence-rules lists them",
                           rule=rule_id)
        await audit_q.append_audit(conn=conn, at=now, actor=actor,
                                   action="silence_rule.deleted", target=None, reason=None,
                                   details={"rule": rule_id})
        await _synced(rt, conn)
    _wake(rt)


async def list_silences(*, rt: Runtime, target: str | None = None, live: bool = False,
                        limit: int = 100) -> list[dict[str, Any]]:
    """Newest first: every silence pitstop made or is making, or one target's."""
    if target is not None:
        check_target_id(target)
    async with rt.db.read() as conn:
        rows = await silences_q.list_silences(conn=conn, target=target, live=live,
                                              limit=limit)
        # A deleted target's silences stay listed (its live ones: none); a name nobody
        # registered, and that never had one, is a typo.
        unknown = target is not None and not rows and target not in rt.state.targets and (
            not live or not await silences_q.list_silences(conn=conn, target=target,
                                                           live=False, limit=1))
    if unknown:
        raise NotFound(f"target {target!r} does not exist; GET /v1/targets lists them",
                       target=target)
    return [silence_json(r) for r in rows]
