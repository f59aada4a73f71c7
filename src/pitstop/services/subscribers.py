"""Public subscribers: visitors who asked for maintenance notices by email or webhook.

Each subscriber has a channel of its own (audience ``public``): its notifications go through
the outbox like everyone's (ordered per subject, retried, never lost), with public text only
(see ``services.messages``). Email is double opt-in: until the address confirms, the
confirmation mail is the only mail it gets, because it has no subscriptions. Unsubscribing
deletes the subscriber and its channel, and with them its pending deliveries.
"""

from __future__ import annotations

import asyncio
import csv
import io
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pitstop import clock
from pitstop.domain.subscribers import (
    CONFIRM_TTL,
    PUBLIC_KINDS,
    BadToken,
    check_email,
    check_token,
    private_address,
    read_token,
    sign_token,
    unsubscribe_url,
)
from pitstop.errors import InvalidInput, NotFound
from pitstop.services.public_messages import confirmation_message, welcome_message
from pitstop.services.runtime import Runtime
from pitstop.storage import audit as audit_q
from pitstop.storage import notifications as notify_q
from pitstop.storage import subscribers as subs_q
from pitstop.storage import targets as targets_q

PUBLIC_ACTOR = "public"
TIMEOUT_S = 10.0


def subscriber_json(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "kind": row["kind"], "address": row["address"],
            "services": None if row["services"] is None else list(row["services"]),
            "status": row["status"], "created_at": row["created_at"],
            "confirmed_at": row["confirmed_at"], "created_ip": row["created_ip"],
            "language": row["language"]}


def _check_address(rt: Runtime, kind: str, address: str) -> str:
    if kind == "email":
        if not rt.settings.public_url or not rt.settings.smtp_host:
            raise InvalidInput("email subscriptions are off: the server needs "
                               "PITSTOP_PUBLIC_URL (for the links in mails) and "
                               "PITSTOP_SMTP_HOST set", field="address")
        try:
            return check_email(address)
        except ValueError as exc:
            raise InvalidInput(f"address {exc}", field="address") from None
    if kind != "webhook":
        raise InvalidInput("kind must be email or webhook", field="kind")
    parts = urlsplit(address.strip())
    allow_private = rt.settings.subscriber_webhook_private
    if parts.scheme not in (("https", "http") if allow_private else ("https",)) \
            or not parts.hostname or parts.username or len(address) > 2000:
        raise InvalidInput("address must be an https:// url with a host, such as "
                           "https://hooks.example.com/maintenance", field="address")
    if not allow_private and private_address(parts.hostname):
        raise InvalidInput("address must not be a private, loopback or link-local "
                           "address", field="address")
    return address.strip()


async def _check_resolves_public(rt: Runtime, kind: str, address: str) -> None:
    """A webhook's host name must not resolve to a private address either (checked when it
    subscribes; a later change of its DNS is not)."""
    host = urlsplit(address).hostname or ""
    if kind != "webhook" or rt.settings.subscriber_webhook_private or private_address(host):
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, 443)
    except OSError:
        raise InvalidInput(f"address: the host {host!r} does not resolve",
                           field="address") from None
    if any(private_address(str(info[4][0])) for info in infos):
        raise InvalidInput("address must not resolve to a private, loopback or link-local "
                           "address", field="address")


async def _check_services(conn: Any, services: list[str] | None) -> list[str] | None:
    if services is None:
        return None
    if not services:
        raise InvalidInput("services must name at least one service, or be left out for "
                           "all maintenance", field="services")
    for name in services:
        if await targets_q.get_target(conn=conn, target=f"service:{name}") is None:
            raise InvalidInput(f"there is no service {name!r}; the status page lists them",
                               field="services")
    return sorted(set(services))


async def subscribe(*, rt: Runtime, kind: str, address: str, services: list[str] | None,
                    ip: str | None, language: str | None) -> dict[str, Any]:
    """Subscribe ``address``: an email address gets a confirmation mail (and stays pending
    until it confirms), a webhook is confirmed at once and gets a first "subscribed" POST.
    Asking again for a pending address sends a new confirmation mail. Rate-limited per
    client address and per subscribed address."""
    await rt.subscribe_ip_limiter.check(ip or "unknown")
    address = _check_address(rt, kind, address)
    await _check_resolves_public(rt, kind, address)
    await rt.subscribe_address_limiter.check(f"{kind}:{address.lower()}")
    now = clock.now()
    async with rt.db.write() as conn:
        services = await _check_services(conn, services)
        row = await subs_q.find_subscriber(conn=conn, kind=kind, address=address)
        if row is not None:
            secret = (await subs_q.get_subscriber(conn=conn, subscriber_id=row["id"]))["secret"]
            if row["status"] == subs_q.PENDING:
                await _send_confirmation(rt, conn, row, secret, now)
            return subscriber_json(row) | {"secret": None}
        row, secret = await _create(conn, kind, address, services, ip, language, now)
        if kind == "email":
            await _send_confirmation(rt, conn, row, secret, now)
        else:
            row = await _activate(rt, conn, row, secret, now)
    rt.delivery.wake()
    return subscriber_json(row) | {"secret": secret if kind == "webhook" else None}


async def _create(conn: Any, kind: str, address: str, services: list[str] | None,
                  ip: str | None, language: str | None, now: datetime
                  ) -> tuple[dict[str, Any], str]:
    sub_id, secret = "sb_" + secrets.token_hex(8), secrets.token_urlsafe(32)
    channel = {"id": "ch_" + secrets.token_hex(6), "name": sub_id, "kind": kind,
               "url": address, "secret": secret, "timeout_s": TIMEOUT_S, "created_at": now,
               "created_by": PUBLIC_ACTOR, "audience": "public"}
    await notify_q.insert_channel(conn=conn, values=channel)
    row = {"id": sub_id, "channel_id": channel["id"], "kind": kind, "address": address,
           "services": services, "status": subs_q.PENDING, "created_at": now,
           "confirmed_at": None, "created_ip": ip, "language": language}
    await subs_q.insert_subscriber(conn=conn, values=row)
    await audit_q.append_audit(conn=conn, at=now, actor=PUBLIC_ACTOR,
                               action="subscriber.created", target=None, reason=None,
                               details={"subscriber": sub_id, "kind": kind,
                                        "services": services, "ip": ip})
    return row, secret


def _links(rt: Runtime, row: Any, secret: str) -> tuple[str | None, str | None]:
    base = rt.settings.public_url
    if base is None:
        return None, None
    return base, unsubscribe_url(base, row["id"], secret)


async def _direct(conn: Any, row: Any, kind: str, key: str, message: dict[str, Any],
                  now: datetime) -> None:
    """An outbox row to this subscriber alone (confirmation, welcome); the same ``key``
    twice is one row (a second request for a confirmation in the same millisecond)."""
    await notify_q.insert_deliveries(conn=conn, rows=[{
        "dedupe_key": f"subscriber:{row['id']}:{key}", "channel_id": row["channel_id"],
        "subject": f"subscriber:{row['id']}", "event_id": None, "kind": kind,
        "message": message, "status": notify_q.PENDING, "attempts": 0,
        "created_at": now, "next_attempt_at": now}])


async def _send_confirmation(rt: Runtime, conn: Any, row: Any, secret: str, now: datetime
                             ) -> None:
    token = sign_token(subscriber=row["id"], purpose="confirm", secret=secret,
                       expires=now + CONFIRM_TTL)
    link = f"{rt.settings.public_url}/subscribe/confirm?token={token}"
    hours = int(CONFIRM_TTL.total_seconds() // 3600)
    await _direct(conn, row, "subscriber_confirm", f"confirm:{int(now.timestamp() * 1000)}",
                  confirmation_message(services=row["services"], hours=hours, link=link,
                                       lang=row["language"]), now)


async def _activate(rt: Runtime, conn: Any, row: Any, secret: str, now: datetime
                    ) -> dict[str, Any]:
    """Subscriptions for the public kinds, and a welcome (mail) or "subscribed" (POST)."""
    targets = [None] if row["services"] is None else [f"service:{s}" for s in row["services"]]
    for target in targets:
        await notify_q.insert_subscription(conn=conn, values={
            "id": "sub_" + secrets.token_hex(6), "channel_id": row["channel_id"],
            "events": list(PUBLIC_KINDS), "target": target, "window_id": None,
            "created_at": now, "created_by": PUBLIC_ACTOR})
    await subs_q.confirm_subscriber(conn=conn, subscriber_id=row["id"], at=now)
    _, leave = _links(rt, row, secret)
    if row["kind"] == "webhook":
        leave = leave or "DELETE by an administrator"
    await _direct(conn, row, "subscribed", "welcome", welcome_message(
        kind=row["kind"], subscriber=row["id"], services=row["services"],
        unsubscribe_url=leave, lang=row["language"]), now)
    return dict(row) | {"status": subs_q.CONFIRMED, "confirmed_at": now}


async def _verified(conn: Any, token: str, purpose: str, now: datetime) -> Any:
    try:
        claims = read_token(token)
        row = await subs_q.get_subscriber(conn=conn, subscriber_id=claims.subscriber)
        if row is None:
            raise NotFound("this subscription does not exist (any more): it was removed "
                           "or never confirmed", subscriber=claims.subscriber)
        check_token(token, purpose=purpose, secret=row["secret"], now=now)
    except BadToken as exc:
        raise InvalidInput(f"token: {exc}", field="token") from None
    return row


async def confirm(*, rt: Runtime, token: str) -> dict[str, Any]:
    """Confirm by a confirmation link; confirming twice is no error."""
    now = clock.now()
    async with rt.db.write() as conn:
        row = await _verified(conn, token, "confirm", now)
        if row["status"] == subs_q.CONFIRMED:
            return subscriber_json(row)
        done = await _activate(rt, conn, row, row["secret"], now)
        await audit_q.append_audit(conn=conn, at=now, actor=PUBLIC_ACTOR,
                                   action="subscriber.confirmed", target=None, reason=None,
                                   details={"subscriber": row["id"]})
    rt.delivery.wake()
    return subscriber_json(done)


async def unsubscribe(*, rt: Runtime, token: str) -> dict[str, Any]:
    """Unsubscribe by an unsubscribe link: the subscriber, its channel and whatever was
    still to be sent to it are deleted at once."""
    now = clock.now()
    async with rt.db.write() as conn:
        row = await _verified(conn, token, "unsubscribe", now)
        await subs_q.delete_subscriber(conn=conn, subscriber_id=row["id"])
        await audit_q.append_audit(conn=conn, at=now, actor=PUBLIC_ACTOR,
                                   action="subscriber.unsubscribed", target=None, reason=None,
                                   details={"subscriber": row["id"], "kind": row["kind"]})
    return subscriber_json(row)


async def list_subscribers(*, rt: Runtime) -> list[dict[str, Any]]:
    async with rt.db.read() as conn:
        return [subscriber_json(r) for r in await subs_q.list_subscribers(conn=conn)]


CSV_COLUMNS = ("id", "kind", "address", "services", "status", "created_at", "confirmed_at",
               "created_ip", "language")


def subscribers_csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow([
            " ".join(item["services"]) if item["services"] is not None else ""
            if col == "services" else
            (item[col].isoformat() if isinstance(item[col], datetime) else item[col] or "")
            for col in CSV_COLUMNS])
    return out.getvalue()


async def remove_subscriber(*, rt: Runtime, subscriber_id: str, actor: str) -> None:
    now = clock.now()
    async with rt.db.write() as conn:
        row = await subs_q.delete_subscriber(conn=conn, subscriber_id=subscriber_id)
        if row is None:
            raise NotFound(f"no subscriber {subscriber_id!r}; GET /v1/subscribers lists them",
                           subscriber=subscriber_id)
        await audit_q.append_audit(conn=conn, at=now, actor=actor,
                                   action="subscriber.removed", target=None, reason=None,
                                   details={"subscriber": subscriber_id, "kind": row["kind"]})


async def public_service_names(*, rt: Runtime) -> list[str]:
    async with rt.db.read() as conn:
        return [r["name"] for r in await targets_q.list_targets(conn=conn)
                if r["kind"] == "service"]
