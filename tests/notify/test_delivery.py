"""Notifications reach real receivers once each: signed webhooks, apprise's JSON and email,
through failures and retries, and never twice for one fact."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import pytest

from pitstop import clock
from pitstop.app import create_app
from pitstop.notify import worker
from pitstop.services import outbox
from tests.notify.conftest import SECRET, add_channel, deliver_all, deliveries
from tests.receivers import TrickleReceiver

pytestmark = pytest.mark.usefixtures("frozen")


async def _enter(admin, target: str = "platform", reason: str = "db upgrade") -> None:
    r = await admin.post(f"/v1/targets/{target}/maintenance/enter", json={"reason": reason})
    assert r.status_code == 200, r.text


async def _exit(admin, target: str = "platform") -> None:
    r = await admin.post(f"/v1/targets/{target}/maintenance/exit", json={"reason": "done"})
    assert r.status_code == 200, r.text


async def test_a_webhook_gets_a_signed_notification_of_maintenance(rt, admin, receiver):
    channel = await add_channel(admin, "ops hook", receiver.url + "/hook")
    await _enter(admin)
    await deliver_all(rt)
    [got] = receiver.requests
    assert got.path == "/hook" and got.signature_ok(SECRET)
    body = got.json()
    assert body["kind"] == "maintenance_entered" and body["title"] == \
        "Maintenance started: platform"
    assert "Reason: db upgrade" in body["text"]
    [delivery] = await deliveries(admin, channel=channel)
    assert got.headers["x-pitstop-delivery"] == delivery["key"] == body["delivery"]
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 1)
    assert delivery["history"][0]["status_code"] == 200


async def test_apprise_json_and_email_receive_the_message(rt, admin, receiver, smtp):
    await add_channel(admin, "chat", f"json://127.0.0.1:{receiver.port}/chat", kind="apprise")
    await add_channel(admin, "mail", f"mailto://127.0.0.1:{smtp.port}?from=pitstop@example.com"
                      "&to=ops@example.com&mode=insecure", kind="apprise")
    await _enter(admin, reason="kernel patch")
    await deliver_all(rt)
    [chat] = receiver.requests
    assert chat.headers["user-agent"] == "Apprise"
    assert chat.json()["title"] == "Maintenance started: platform"
    assert "Reason: kernel patch" in chat.json()["message"]
    [mail] = smtp.messages
    assert mail["Subject"] == "Maintenance started: platform"
    assert mail["To"] == "ops@example.com"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    assert "Reason: kernel patch" in text.get_payload(decode=True).decode()
    assert {d["status"] for d in await deliveries(admin)} == {"delivered"}


async def test_a_failing_receiver_gets_each_notification_once_it_recovers(rt, admin, receiver):
    await add_channel(admin, "flaky", receiver.url)
    for change in (_enter, _exit):  # (the second would wait for the first anyway)
        receiver.plan.extend([500, 500, "hang"])
        await change(admin)
        for _ in range(3):
            await deliver_all(rt)
            clock.advance(timedelta(seconds=rt.settings.notify_backoff_max_s))
        await deliver_all(rt)
    accepted = receiver.accepted()
    assert sorted(r.json()["kind"] for r in accepted) == ["maintenance_entered",
                                                          "maintenance_exited"]
    for delivery in await deliveries(admin):
        assert delivery["status"] == "delivered"
        failed = delivery["history"][:-1]
        assert failed and all(a["error"] for a in failed)
        assert delivery["history"][-1] == {**delivery["history"][-1], "status_code": 200,
                                           "error": None}
        keys = {r.headers["x-pitstop-delivery"] for r in receiver.requests
                if r.json()["delivery"] == delivery["key"]}
        assert keys == {delivery["key"]}  # every retry carries the same idempotency key
    history = [a for d in await deliveries(admin) for a in d["history"]]
    assert sum(a["status_code"] == 500 for a in history) == 4
    assert sum("no answer within 1 s" in (a["error"] or "") for a in history) == 2


async def test_retries_back_off_and_end_dead_then_a_retry_delivers(rt, admin, receiver):
    receiver.plan.extend([503] * rt.settings.notify_max_attempts)
    await add_channel(admin, "down", receiver.url)
    await _enter(admin)
    waits = []
    for _ in range(rt.settings.notify_max_attempts):
        await deliver_all(rt)
        [d] = await deliveries(admin)
        if d["status"] == "dead":
            break
        waits.append((datetime.fromisoformat(d["next_attempt_at"]) - clock.now()
                      ).total_seconds())
        clock.advance(timedelta(seconds=rt.settings.notify_backoff_max_s))
    base, cap = rt.settings.notify_backoff_base_s, rt.settings.notify_backoff_max_s
    for attempt, wait in enumerate(waits, start=1):  # half fixed, half jitter, capped
        ceiling = min(cap, base * 2 ** (attempt - 1))
        assert ceiling / 2 <= wait <= ceiling
    [dead] = await deliveries(admin, status="dead")
    assert dead["attempts"] == rt.settings.notify_max_attempts
    assert dead["last_error"] == "the receiver answered HTTP 503"
    r = await admin.post(f"/v1/deliveries/{dead['id']}/retry")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    await deliver_all(rt)
    [done] = await deliveries(admin)
    assert done["status"] == "delivered"
    assert len(done["history"]) == rt.settings.notify_max_attempts + 1
    r = await admin.post(f"/v1/deliveries/{dead['id']}/retry")
    assert r.status_code == 409


async def test_the_same_fact_reported_twice_is_one_notification(rt, admin, receiver):
    await add_channel(admin, "hook", receiver.url)
    published: list = []
    rt.bus.subscribe(published.append)
    await _enter(admin)
    [entered] = [e for e in published if e.type == "maintenance.entered"]
    async with rt.db.write() as conn:  # a second worker handling the same change
        assert await outbox.enqueue(conn, [entered]) == 0
    await deliver_all(rt)
    assert len(receiver.requests) == 1


async def test_a_channel_test_send_reports_the_receivers_answer(rt, admin, receiver):
    channel = await add_channel(admin, "hook", receiver.url)
    r = await admin.post(f"/v1/channels/{channel}/test")
    assert r.status_code == 200 and r.json()["delivered"] is True
    assert receiver.requests[0].json()["kind"] == "test"
    receiver.plan.append(500)
    r = await admin.post(f"/v1/channels/{channel}/test")
    assert r.status_code == 502
    assert r.json()["type"] == "/problems/channel-failed"
    assert "HTTP 500" in r.json()["detail"]
    assert [d["status"] for d in await deliveries(admin)] == ["dead", "delivered"]


async def test_delivery_metrics_count_outcomes(rt, admin, receiver):
    receiver.plan.append(500)
    await add_channel(admin, "hook", receiver.url)
    await _enter(admin)
    await deliver_all(rt)
    clock.advance(timedelta(seconds=10))
    await deliver_all(rt)
    text = (await admin.get("/metrics")).text
    assert 'pitstop_deliveries_total{kind="webhook",outcome="failed"} 1.0' in text
    assert 'pitstop_deliveries_total{kind="webhook",outcome="delivered"} 1.0' in text
    assert 'pitstop_delivery_latency_seconds_count{kind="webhook"} 1.0' in text


async def test_two_workers_on_a_slow_receiver_deliver_each_notification_once(
        settings, rt, admin, receiver, monkeypatch):
    clock.unfreeze()  # claims lapse in real time here
    monkeypatch.setattr(worker, "CLAIM_MARGIN_S", 0.0)  # a claim lasts the 1 s timeout
    receiver.plan.extend([0.4] * 6)  # one at a time, 2.4 s for the channel's six
    await add_channel(admin, "slow", receiver.url)
    for i in range(3):
        await _enter(admin, target="platform", reason=f"r{i}")
        await _exit(admin)
    second = create_app(settings, run_scheduler=False)
    async def keep_polling() -> None:  # as a second replica's worker does
        for _ in range(12):
            await second.state.rt.delivery.run_once()
            await asyncio.sleep(0.25)

    async with second.router.lifespan_context(second):
        await asyncio.gather(rt.delivery.run_once(), keep_polling())
    facts = [r.json()["event"]["id"] for r in receiver.accepted()]
    assert len(facts) == 6 and len(set(facts)) == 6
    assert facts == sorted(facts)  # two workers, still one at a time, in the order of facts
    assert {d["status"] for d in await deliveries(admin)} == {"delivered"}


async def test_a_receiver_that_trickles_its_answer_is_cut_off_before_the_claim_lapses(
        rt, admin):
    trickle = TrickleReceiver(body_bytes=40, gap_s=0.2)  # 8 s in all, each byte in time
    try:
        await add_channel(admin, "slow", trickle.url)  # timeout_s 1: the claim lasts 6 s
        await _enter(admin)
        started = time.monotonic()
        await rt.delivery.run_once()
        assert time.monotonic() - started < 3  # timeout 1 s, cut off 1 s later
    finally:
        trickle.close()
    [d] = await deliveries(admin)
    assert (d["status"], d["attempts"]) == ("pending", 1)  # tried again later
    assert d["last_error"] == "no answer within 1 s"
