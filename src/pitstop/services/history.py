"""Reading the audit history, newest first, by opaque keyset cursor."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pitstop.errors import InvalidInput
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage.audit import HistoryFilter
from pitstop.storage.types import BIG_ID_MAX


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)["before"]
        if not isinstance(value, int) or not 1 <= value <= BIG_ID_MAX:
            raise TypeError
        return value
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidInput(
            "cursor is not one this server issued: pass next_cursor from the previous page",
            field="cursor",
        ) from None


def entry_json(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "at": row["at"], "actor": row["actor"], "action": row["action"],
            "target": row["target"], "reason": row["reason"], "details": row["details"]}


async def page_history(
    *, rt: Runtime, where: HistoryFilter, cursor: str | None, limit: int
) -> dict[str, Any]:
    before = decode_cursor(cursor) if cursor else None
    async with rt.db.read() as conn:
        rows = await audit_q.page_audit(conn=conn, where=where, before_id=before,
                                        limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "items": [entry_json(r) for r in rows],
        "next_cursor": encode_cursor(rows[-1]["id"]) if more and rows else None,
    }


async def browse_history(*, rt: Runtime, where: HistoryFilter, before_id: int | None,
                         after_id: int | None, limit: int) -> dict[str, Any]:
    """A page for people to step through with Previous and Next: the rows, and the ids to
    continue from in each direction (None at either end)."""
    async with rt.db.read() as conn:
        rows = await audit_q.page_audit(conn=conn, where=where, before_id=before_id,
                                        after_id=after_id, limit=limit + 1)
        if after_id is not None:
            newer, rows = len(rows) > limit, rows[-limit:]
            older = bool(rows)
        else:
            older, rows = len(rows) > limit, rows[:limit]
            newer = before_id is not None and bool(rows) and bool(
                await audit_q.page_audit(conn=conn, where=where, before_id=None,
                                         after_id=rows[0]["id"], limit=1))
    return {"items": [entry_json(r) for r in rows],
            "newer": rows[0]["id"] if newer and rows else None,
            "older": rows[-1]["id"] if older and rows else None}
