"""The outbox worker: delivers pending notifications, records every attempt, retries.

1. Read the due rows that are first in line: per channel, a fact about a subject (a target,
   a window) waits while an earlier one about it is pending, so the receiver gets them in
   the order of the facts. Channels are sent side by side, each channel's rows in order.
2. Claim each row just before sending it, by conditional update (``next_attempt_at`` pushed
   past the send's timeout, and only while it is still first in line): a second worker, on
   this replica or another, skips it. Send it through its channel kind's notifier.
3. Record the attempt (status code or error, duration) and the outcome: delivered; pending
   again after an exponential, jittered wait; or dead after the last attempt — or once a
   later fact about its subject has been held back ``notify_order_wait_s`` (from the first
   failure ahead of it), so a receiver that is down for long gets the current state, not
   every step, when it is back.

A process killed between 2 and 3 sends that row again once the claim lapses: delivery is at
least once, and ``X-Pitstop-Delivery`` lets a receiver drop the repeat. One row per channel
is on the wire at a time, so a crash repeats at most one notification per channel.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pitstop import clock
from pitstop.domain.notifications import retry_delay
from pitstop.notify.base import ChannelView, DeliveryError, Notifier
from pitstop.notify.loop import run_worker
from pitstop.settings import Settings
from pitstop.storage import notifications as notify_q
from pitstop.storage.engine import Database

log = logging.getLogger(__name__)
BATCH = 50
CONCURRENCY = 8
CLAIM_MARGIN_S = 5.0  # a claim lapses this long after the send's timeout (a crashed worker)
SEND_GRACE_S = 1.0  # a send is cut off this long after its timeout, well within the claim
IDLE_S = 30.0  # look at the outbox at least this often (rows written by other replicas)


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    permanent: bool
    duration_ms: int


def channel_view(row: Mapping[str, Any]) -> ChannelView:
    return ChannelView(id=row["id"], name=row["name"], kind=row["kind"], url=row["url"],
                       secret=row["secret"], timeout_s=row["timeout_s"])


async def send_once(notifier: Notifier, channel: ChannelView, message: dict[str, Any],
                    delivery_key: str) -> Outcome:
    """One attempt; every failure becomes an :class:`Outcome` with its error, never an
    exception (a notifier's bug is recorded against the delivery, and retried). The attempt
    ends soon after the channel's timeout even when the receiver trickles its answer (the
    HTTP client's timeout is per read): the claim must outlast it, or a second worker would
    send the same notification while this one is still on the wire."""
    started = clock.monotonic()
    code, error, permanent = None, None, False
    try:
        async with asyncio.timeout(channel.timeout_s + SEND_GRACE_S):
            code = await notifier.send(channel, message, delivery_key=delivery_key)
    except DeliveryError as exc:
        code, error, permanent = exc.status_code, exc.detail, exc.permanent
    except TimeoutError:
        error = f"no answer within {channel.timeout_s:g} s"
    except Exception as exc:
        log.exception("notifier %s failed on channel %s", channel.kind, channel.id)
        error = f"{type(exc).__name__} in the {channel.kind} notifier"
    return Outcome(code, error, permanent, int((clock.monotonic() - started) * 1000))


# After each recorded attempt: (channel kind, result, seconds from created to delivered).
Observer = Callable[[str, str, float | None], None]


class DeliveryWorker:
    """Delivers the outbox's rows. It is handed only what it needs: the database, the
    settings, a sender per channel kind, and ``observe`` (called after each recorded
    attempt, for metrics and the consoles). The wiring calls :meth:`wake` when a change
    writes notifications."""

    def __init__(self, db: Database, settings: Settings, notifiers: Mapping[str, Notifier],
                 *, observe: Observer | None = None, rng: random.Random | None = None) -> None:
        self.db, self.settings = db, settings
        self.notifiers = notifiers
        self.observe = observe or (lambda kind, result, latency: None)
        self.rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._limit = asyncio.Semaphore(CONCURRENCY)

    def wake(self) -> None:
        self._wake.set()

    async def run_forever(self) -> None:
        await run_worker(self.run_once, self._wake, "the delivery worker", log)

    async def run_once(self) -> float:
        """Deliver what is due now; return the seconds until the next row is due."""
        due, channels = await self._due(clock.now())
        by_channel: dict[str, list[Any]] = {}
        for row in due:
            if row["channel_id"] in channels:
                by_channel.setdefault(row["channel_id"], []).append(row)
        await asyncio.gather(*(self._deliver_in_order(rows, channels[cid])
                               for cid, rows in by_channel.items()))
        if len(due) == BATCH:
            return 0.0
        async with self.db.read() as conn:
            next_at = await notify_q.next_due_at(conn=conn)
        if next_at is None:
            return IDLE_S
        return min(IDLE_S, max(0.0, (next_at - clock.now()).total_seconds()))

    async def _due(self, now: datetime) -> tuple[list[Any], dict[str, ChannelView]]:
        channels: dict[str, ChannelView] = {}
        async with self.db.read() as conn:
            due = await notify_q.due_deliveries(conn=conn, now=now, limit=BATCH)
            for channel_id in {row["channel_id"] for row in due}:
                found = await notify_q.get_channel(conn=conn, channel_id=channel_id)
                if found is not None:
                    channels[channel_id] = channel_view(found)
        return sorted(due, key=lambda r: r["id"]), channels

    async def _deliver_in_order(self, rows: list[Any], channel: ChannelView) -> None:
        """One channel's deliveries one after another, oldest first, so a person reads
        "starts in 1 hour" before "in progress" (channels run side by side). Each row is
        claimed just before it is sent, so a slow receiver cannot outlast the claims."""
        for row in rows:
            async with self._limit:  # claim only once a slot is free: the claim must last
                until = await self._claim(row, channel)
                if until is None:
                    continue
                outcome = await self._send(row, channel)
            await self._record(row, channel, outcome, until)

    async def _claim(self, row: Mapping[str, Any], channel: ChannelView) -> datetime | None:
        until = clock.now() + timedelta(seconds=channel.timeout_s + CLAIM_MARGIN_S)
        async with self.db.write() as conn:
            got = await notify_q.claim_delivery(conn=conn, delivery_id=row["id"],
                                                seen_at=row["next_attempt_at"], until=until)
        return until if got else None  # else: another worker has it, or it was retried

    async def _send(self, row: Mapping[str, Any], channel: ChannelView) -> Outcome:
        notifier = self.notifiers.get(channel.kind)
        if notifier is None:
            return Outcome(None, f"no notifier for kind {channel.kind!r}", True, 0)
        return await send_once(notifier, channel, row["message"], delivery_key(row["id"]))

    async def _next_state(self, row: Mapping[str, Any], outcome: Outcome, now: datetime
                          ) -> tuple[dict[str, Any], str]:
        """The row's new values after this attempt, and the result for the metrics.

        A failed row that holds back a later fact about its subject retries until that one
        has been held ``notify_order_wait_s`` (from the first failure ahead of it; its next
        try is never later than that), then is given up: the wait of a later fact is
        bounded, not the sum of every earlier one's retries."""
        settings = self.settings
        attempts = row["attempts"] + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": outcome.error}
        if outcome.error is None:
            return values | {"status": notify_q.DELIVERED, "delivered_at": now}, "delivered"
        if outcome.permanent or attempts >= settings.notify_max_attempts:
            return values | {"status": notify_q.DEAD}, "dead"
        async with self.db.read() as conn:
            behind = await notify_q.next_in_line(conn=conn, delivery=row)
        bound = timedelta(seconds=settings.notify_order_wait_s)
        wait = retry_delay(attempts, base_s=settings.notify_backoff_base_s,
                           max_s=settings.notify_backoff_max_s, rng=self.rng)
        next_at = now + min(wait, bound)
        if behind is not None:
            deadline = (behind["held_since"] or now) + bound
            if now >= deadline:
                return values | {"status": notify_q.DEAD, "last_error": (
                    f"{outcome.error}; given up: delivery {behind['id']}, a later "
                    f"notification about {row['subject']}, has waited "
                    f"{settings.notify_order_wait_s:g} s behind it")}, "dead"
            next_at = min(next_at, deadline)
        return values | {"next_attempt_at": next_at}, "failed"

    async def _record(self, row: Mapping[str, Any], channel: ChannelView, outcome: Outcome,
                      until: datetime) -> None:
        """Record the attempt, and the outcome while this worker still holds the claim (a
        retry through the API meanwhile starts a fresh series that this must not end)."""
        now = clock.now()
        values, result = await self._next_state(row, outcome, now)
        attempts = values["attempts"]
        async with self.db.write() as conn:
            await notify_q.insert_attempt(conn=conn, values={
                "delivery_id": row["id"], "at": now, "status_code": outcome.status_code,
                "error": outcome.error, "duration_ms": outcome.duration_ms})
            await notify_q.update_delivery(conn=conn, delivery_id=row["id"], values=values,
                                           expected_status=notify_q.PENDING,
                                           claimed_until=until)
            if outcome.error is not None:
                await notify_q.hold_followers(conn=conn, delivery=row, now=now)
        latency = (now - row["created_at"]).total_seconds() if result == "delivered" else None
        self.observe(channel.kind, result, None if latency is None else max(0.0, latency))
        if result == "dead":
            log.warning("gave up on delivery %s to channel %s after %d attempts: %s",
                        row["id"], channel.name, attempts, values["last_error"])

    async def close(self) -> None:
        for notifier in self.notifiers.values():
            await notifier.close()


def delivery_key(delivery_id: int) -> str:
    return f"dlv_{delivery_id}"
