"""The outbox as operators see it: deliveries with their attempts, a retry, a test send."""

from __future__ import annotations

import secrets
from typing import Any

from pitstop import clock
from pitstop.errors import ChannelFailed, Conflict, DeliverySuperseded, InvalidInput, NotFound
from pitstop.notify.worker import channel_view, delivery_key, send_once
from pitstop.services.channels import get_channel_row
from pitstop.services.messages import channel_test_message
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage import notifications as notify_q

STATUSES = (notify_q.PENDING, notify_q.DELIVERED, notify_q.DEAD)
NEWER_IS = {notify_q.DELIVERED: "delivered: the receiver has the current state",
            notify_q.PENDING: "pending: it is on its way",
            notify_q.DEAD: "dead too: retry that one instead"}


def delivery_json(row: Any, attempts: list[Any]) -> dict[str, Any]:
    return {"id": row["id"], "key": delivery_key(row["id"]), "channel": row["channel_id"],
            "kind": row["kind"], "subject": row["subject"], "status": row["status"],
            "event": row["event_id"],
            "title": row["message"].get("title"), "attempts": row["attempts"],
            "created_at": row["created_at"], "next_attempt_at": (
                row["next_attempt_at"] if row["status"] == notify_q.PENDING else None),
            "delivered_at": row["delivered_at"], "last_error": row["last_error"],
            "history": [{"at": a["at"], "status_code": a["status_code"], "error": a["error"],
                         "duration_ms": a["duration_ms"]} for a in attempts]}


async def list_deliveries(*, rt: Runtime, status: str | None, channel_id: str | None,
                          before: int | None, limit: int) -> dict[str, Any]:
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)} (got {status!r})",
                           field="status")
    async with rt.db.read() as conn:
        rows = await notify_q.list_deliveries(conn=conn, status=status, channel_id=channel_id,
                                              before=before, limit=limit)
        attempts = await notify_q.list_attempts(conn=conn, delivery_ids=[r["id"] for r in rows])
    by_delivery: dict[int, list[Any]] = {}
    for a in attempts:
        by_delivery.setdefault(a["delivery_id"], []).append(a)
    items = [delivery_json(r, by_delivery.get(r["id"], [])) for r in rows]
    return {"items": items, "next": rows[-1]["id"] if len(rows) == limit else None}


async def retry_delivery(*, rt: Runtime, delivery_id: int, actor: str) -> dict[str, Any]:
    """Send a dead or waiting delivery again now, with a fresh series of attempts (the
    earlier ones stay in its history). A dead one is sent again only while it is the newest
    about its subject on its channel (else :class:`DeliverySuperseded`): the newer one
    carries the current state, and the receiver's last message must match it."""
    now = clock.now()
    async with rt.db.write() as conn:
        row = await notify_q.get_delivery(conn=conn, delivery_id=delivery_id)
        if row is None:
            raise NotFound(f"no delivery {delivery_id}; GET /v1/deliveries lists them",
                           delivery=delivery_id)
        if row["status"] == notify_q.DELIVERED:
            raise Conflict(f"delivery {delivery_id} was delivered already", delivery=delivery_id)
        if row["status"] == notify_q.DEAD:
            await _refuse_if_superseded(conn, row)
        updated = await notify_q.update_delivery(
            conn=conn, delivery_id=delivery_id, expected_status=row["status"],
            values={"status": notify_q.PENDING, "attempts": 0, "next_attempt_at": now})
        if updated is None:
            raise Conflict(f"delivery {delivery_id} changed meanwhile; retry",
                           delivery=delivery_id)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="delivery.retried",
                                   target=None, reason=None,
                                   details={"delivery": delivery_id, "was": row["status"]})
        attempts = await notify_q.list_attempts(conn=conn, delivery_ids=[delivery_id])
    rt.delivery.wake()
    rt.state.notify()
    return delivery_json(updated, list(attempts))


async def _refuse_if_superseded(conn: Any, row: Any) -> None:
    newer = await notify_q.newest_after(conn=conn, delivery=row)
    if newer is None:
        return
    raise DeliverySuperseded(
        f"delivery {row['id']} is superseded by delivery {newer['id']}, a newer one about "
        f"{row['subject']} on the same channel ({NEWER_IS[newer['status']]}); sending the "
        "old one now would leave the receiver with an outdated state",
        delivery=row["id"], superseded_by=newer["id"], subject=row["subject"])


async def test_channel(*, rt: Runtime, channel_id: str, actor: str) -> dict[str, Any]:
    """Send a test message now, then record it as a delivery with its attempt; a failure
    raises :class:`ChannelFailed` with the receiver's answer."""
    channel = channel_view(await get_channel_row(rt=rt, channel_id=channel_id))
    now = clock.now()
    message = channel_test_message(channel.name, now)
    key = "test_" + secrets.token_hex(8)
    outcome = await send_once(rt.notifiers[channel.kind], channel, message, key)
    done = clock.now()
    async with rt.db.write() as conn:
        delivery_id = await notify_q.insert_delivery(conn=conn, values={
            "dedupe_key": key, "channel_id": channel.id, "event_id": None, "kind": "test",
            "message": message, "attempts": 1, "created_at": now, "next_attempt_at": now,
            "last_error": outcome.error, "delivered_at": None if outcome.error else done,
            "status": notify_q.DEAD if outcome.error else notify_q.DELIVERED})
        await notify_q.insert_attempt(conn=conn, values={
            "delivery_id": delivery_id, "at": done, "status_code": outcome.status_code,
            "error": outcome.error, "duration_ms": outcome.duration_ms})
    result = {"delivery": delivery_id, "channel": channel.id, "status_code": outcome.status_code,
              "duration_ms": outcome.duration_ms}
    if outcome.error is not None:
        raise ChannelFailed(f"the test message to {channel.name!r} failed: {outcome.error}",
                            **result)
    return {**result, "delivered": True}
