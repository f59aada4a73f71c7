"""Notification channels and the subscriptions that route notifications to them.

A channel's secret (a webhook's signing key, the tokens inside an apprise URL) is stored, used,
and never returned or logged: the API shows the URL with its secrets masked.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.exc import IntegrityError

from pitstop import clock
from pitstop.domain.notifications import DEFAULT_KINDS, KINDS
from pitstop.domain.targets import parse_target
from pitstop.errors import Conflict, InvalidInput, NotFound
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage import notifications as notify_q
from pitstop.storage import windows as windows_q

MIN_SECRET = 16
# Email channels are public subscribers' own (services.subscribers); operators mail through
# apprise (mailto://).
OPERATOR_KINDS = ("apprise", "webhook")


def channel_json(rt: Runtime, row: Any) -> dict[str, Any]:
    notifier = rt.notifiers.get(row["kind"])
    try:
        shown = notifier.check_url(row["url"]) if notifier else "***"
    except ValueError:
        shown = "***"
    return {"id": row["id"], "name": row["name"], "kind": row["kind"], "url": shown,
            "has_secret": bool(row["secret"]), "timeout_s": row["timeout_s"],
            "created_at": row["created_at"], "created_by": row["created_by"]}


def _check_channel(rt: Runtime, kind: str, url: str, secret: str | None) -> None:
    notifier = rt.notifiers.get(kind) if kind in OPERATOR_KINDS else None
    if notifier is None:
        raise InvalidInput(f"kind must be one of {', '.join(OPERATOR_KINDS)} "
                           f"(got {kind!r})", field="kind")
    try:
        notifier.check_url(url)
    except ValueError as exc:
        raise InvalidInput(f"url: {exc}", field="url") from None
    if kind == "webhook" and (secret is None or len(secret) < MIN_SECRET):
        raise InvalidInput(f"a webhook channel needs a secret of at least {MIN_SECRET} "
                           "characters: pitstop signs each body with it "
                           "(X-Pitstop-Signature) so the receiver can check the sender",
                           field="secret")
    if kind != "webhook" and secret is not None:
        raise InvalidInput(f"a {kind} channel takes no secret: its credentials are part of "
                           "its url", field="secret")


async def create_channel(*, rt: Runtime, name: str, kind: str, url: str,
                         secret: str | None, timeout_s: float, actor: str) -> dict[str, Any]:
    _check_channel(rt, kind, url, secret)
    now = clock.now()
    row = {"id": "ch_" + secrets.token_hex(6), "name": name, "kind": kind, "url": url,
           "secret": secret, "timeout_s": timeout_s, "created_at": now, "created_by": actor}
    try:
        async with rt.db.write() as conn:
            await notify_q.insert_channel(conn=conn, values=row)
            await audit_q.append_audit(
                conn=conn, at=now, actor=actor, action="channel.created", target=None,
                reason=None, details={"channel": row["id"], "name": name, "kind": kind})
    except IntegrityError:
        raise Conflict(f"a channel named {name!r} exists already; choose another name",
                       name=name) from None
    return channel_json(rt, row)


async def list_channels(*, rt: Runtime) -> list[dict[str, Any]]:
    async with rt.db.read() as conn:
        rows = await notify_q.list_channels(conn=conn)
    return [channel_json(rt, r) for r in rows]


async def get_channel_row(*, rt: Runtime, channel_id: str) -> Any:
    async with rt.db.read() as conn:
        row = await notify_q.get_channel(conn=conn, channel_id=channel_id)
    if row is None:
        raise NotFound(f"no channel {channel_id!r}; GET /v1/channels lists them",
                       channel=channel_id)
    return row


async def delete_channel(*, rt: Runtime, channel_id: str, actor: str) -> None:
    """Delete a channel with its subscriptions and its deliveries."""
    now = clock.now()
    async with rt.db.write() as conn:
        if not await notify_q.delete_channel(conn=conn, channel_id=channel_id):
            raise NotFound(f"no channel {channel_id!r}; GET /v1/channels lists them",
                           channel=channel_id)
        await audit_q.append_audit(conn=conn, at=now, actor=actor, action="channel.deleted",
                                   target=None, reason=None, details={"channel": channel_id})


def subscription_json(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "channel": row["channel_id"], "events": list(row["events"]),
            "target": row["target"], "window": row["window_id"],
            "created_at": row["created_at"], "created_by": row["created_by"]}


def _check_events(events: list[str] | None) -> list[str]:
    if events is None:
        return list(DEFAULT_KINDS)
    unknown = [e for e in events if e not in KINDS]
    if unknown or not events:
        raise InvalidInput(f"events must be a non-empty list of {', '.join(KINDS)} "
                           f"(unknown: {', '.join(unknown) or 'none given'})", field="events")
    return [k for k in KINDS if k in events]


async def create_subscription(*, rt: Runtime, channel_id: str, events: list[str] | None,
                              target: str | None, window_id: int | None, actor: str
                              ) -> dict[str, Any]:
    """Route the chosen notification kinds (all when ``events`` is None) to a channel,
    optionally only those concerning one target or one window."""
    kinds = _check_events(events)
    if target is not None:
        try:
            target = str(parse_target(target))
        except ValueError as exc:
            raise InvalidInput(f"target: {exc}", field="target") from None
    now = clock.now()
    row = {"id": "sub_" + secrets.token_hex(6), "channel_id": channel_id, "events": kinds,
           "target": target, "window_id": window_id, "created_at": now, "created_by": actor}
    async with rt.db.write() as conn:
        if await notify_q.get_channel(conn=conn, channel_id=channel_id) is None:
            raise InvalidInput(f"no channel {channel_id!r}; create it with POST /v1/channels",
                               field="channel")
        if window_id is not None and await windows_q.get_window(
                conn=conn, window_id=window_id) is None:
            raise InvalidInput(f"no window {window_id}; GET /v1/windows lists them",
                               field="window")
        await notify_q.insert_subscription(conn=conn, values=row)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action="subscription.created", target=target,
            reason=None, details={"subscription": row["id"], "channel": channel_id,
                                  "events": kinds, "window": window_id})
    return subscription_json(row)


async def list_subscriptions(*, rt: Runtime, channel_id: str | None) -> list[dict[str, Any]]:
    async with rt.db.read() as conn:
        rows = await notify_q.list_subscriptions(conn=conn, channel_id=channel_id,
                                                 audience="operators")
    return [subscription_json(r) for r in rows]


async def delete_subscription(*, rt: Runtime, subscription_id: str, actor: str) -> None:
    now = clock.now()
    async with rt.db.write() as conn:
        if not await notify_q.delete_subscription(conn=conn, subscription_id=subscription_id):
            raise NotFound(f"no subscription {subscription_id!r}; GET /v1/subscriptions "
                           "lists them", subscription=subscription_id)
        await audit_q.append_audit(
            conn=conn, at=now, actor=actor, action="subscription.deleted", target=None,
            reason=None, details={"subscription": subscription_id})
