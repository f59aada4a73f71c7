"""Public subscribers through the API: double opt-in by mail (read from a real SMTP server),
public text only, signed and expiring links, one-click unsubscribe, rate limits, admin
listing and removal."""

from __future__ import annotations

import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once
from tests.subscribers.conftest import PUBLIC_URL, deliver_all, link_in, text_of

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z


def path_of(link: str) -> str:
    return link.removeprefix(PUBLIC_URL)


async def subscribe(anon, address: str, **extra: object):
    return await anon.post("/v1/public/subscribers", json={"address": address, **extra})


async def confirmed(rt, anon, admin, smtp, address: str, **extra: object) -> None:
    r = await subscribe(anon, address, **extra)
    assert r.status_code == 202, r.text
    await deliver_all(rt)
    r = await anon.get(path_of(link_in(smtp.messages[-1], "/subscribe/confirm")))
    assert r.status_code == 200 and "You are subscribed" in r.text
    await deliver_all(rt)


async def window(admin, service: str, reason_free: str = "Upgrade") -> tuple[int, int]:
    await admin.put(f"/v1/targets/service:{service}", json={})
    r = await admin.post("/v1/windows", json={
        "title": f"{reason_free} {service}", "description": "Short pauses possible.",
        "start": "2026-03-01T15:00:00", "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": f"service:{service}"}]})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["occurrences"][0]["id"]


async def test_an_unconfirmed_address_gets_only_the_confirmation(rt, anon, admin, smtp):
    await admin.put("/v1/targets/service:api", json={})
    r = await subscribe(anon, "jane@example.org", services=["api"])
    assert r.status_code == 202, r.text
    assert r.json() | {"id": None} == {"id": None, "kind": "email", "status": "pending",
                                       "services": ["api"], "secret": None}
    await window(admin, "api")
    await admin.post("/v1/targets/service:api/maintenance/enter", json={"reason": "disk"})
    await deliver_all(rt)
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "jane@example.org"
    assert mail["Subject"].startswith("Confirm your subscription")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith(f"<{PUBLIC_URL}/subscribe/unsubscribe?token=")
    assert link_in(mail, "/subscribe/confirm")


async def test_confirmed_subscriber_gets_public_text_of_chosen_services_only(
        rt, anon, admin, smtp):
    await admin.put("/v1/targets/service:db", json={})
    await confirmed(rt, anon, admin, smtp, "jane@example.org", services=["api"]) \
        if await admin.put("/v1/targets/service:api", json={}) else None
    welcome = smtp.messages[-1]
    assert welcome["Subject"] == "Subscribed to maintenance notices"
    wid, oid = await window(admin, "api")
    await window(admin, "db")
    await admin.post("/v1/targets/service:db/maintenance/enter",
                     json={"reason": "secret internal reason"})
    clock.advance(2 * 3600 + 60)  # 14:01: starting soon
    await run_once(rt, full=True)
    clock.advance(3600)  # 15:01: in progress
    await run_once(rt, full=True)
    r = await admin.post(f"/v1/windows/{wid}/occurrences/{oid}/updates",
                         json={"body": "Halfway there.", "status": "in_progress"})
    assert r.status_code == 201, r.text
    clock.advance(3600)  # 16:01: completed
    await run_once(rt, full=True)
    await deliver_all(rt)
    subjects = [m["Subject"] for m in smtp.messages[2:]]
    assert subjects == ["Scheduled: Upgrade api", "Starting soon: Upgrade api",
                        "In progress: Upgrade api", "Update: Upgrade api",
                        "Completed: Upgrade api"]
    for mail in smtp.messages[2:]:
        body = text_of(mail)
        assert "secret internal reason" not in body and "admin-user" not in body
        assert "db" not in mail["Subject"]
    assert "Halfway there." in text_of(smtp.messages[5])
    assert "Short pauses possible." in text_of(smtp.messages[2])


async def test_one_click_unsubscribe_stops_pending_mail_at_once(rt, anon, admin, smtp):
    await admin.put("/v1/targets/service:api", json={})
    await confirmed(rt, anon, admin, smtp, "jane@example.org")
    leave = smtp.messages[-1]["List-Unsubscribe"].strip("<>")
    await window(admin, "api")  # a "scheduled" mail waits in the outbox
    r = await anon.post(path_of(leave), data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200 and "Unsubscribed" in r.text
    await deliver_all(rt)
    assert len(smtp.messages) == 2  # the confirmation and the welcome, nothing after
    r = await admin.get("/v1/subscribers")
    assert r.json()["items"] == []
    r = await admin.get("/v1/history", params={"action": "subscriber.unsubscribed"})
    assert r.status_code == 200 and len(r.json()["items"]) == 1


async def test_forged_and_expired_links_are_refused(rt, anon, admin, smtp):
    await subscribe(anon, "jane@example.org")
    await deliver_all(rt)
    link = path_of(link_in(smtp.messages[0], "/subscribe/confirm"))
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    r = await anon.get(forged)
    assert r.status_code == 400 and "signature does not match" in r.text
    r = await anon.get(link.replace("confirm?", "unsubscribe?").replace(".confirm.", ".x."))
    assert r.status_code == 200  # the GET page only shows a button
    r = await anon.post(link.replace("/confirm?", "/unsubscribe?"))
    assert r.status_code == 400  # a confirmation token does not unsubscribe
    clock.advance(49 * 3600)
    r = await anon.get(link)
    assert r.status_code == 400 and "expired" in r.text
    r = await admin.get("/v1/subscribers")
    assert [s["status"] for s in r.json()["items"]] == ["pending"]


async def test_subscribe_is_rate_limited_per_address_and_per_client(rt, anon):
    for _ in range(3):
        assert (await subscribe(anon, "jane@example.org")).status_code == 202
    r = await subscribe(anon, "jane@example.org")
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert int(r.headers["retry-after"]) == 3600
    for i in range(6):
        assert (await subscribe(anon, f"u{i}@example.org")).status_code == 202
    r = await subscribe(anon, "late@example.org")
    assert r.status_code == 429 and "from this address" in r.json()["detail"]
    clock.advance(3601)
    assert (await subscribe(anon, "late@example.org")).status_code == 202


async def test_webhook_subscribers_are_confirmed_at_once_and_private_urls_refused(
        rt, anon, admin, receiver, settings):
    r = await subscribe(anon, receiver.url + "/hook", kind="webhook")
    assert r.status_code == 202 and r.json()["status"] == "confirmed", r.text
    await deliver_all(rt)
    first = receiver.requests[0]
    assert first.json()["kind"] == "subscribed"
    assert first.signature_ok(r.json()["secret"])
    settings.subscriber_webhook_private = False
    r = await subscribe(anon, "https://127.0.0.1/hook", kind="webhook")
    assert r.status_code == 422 and "private" in r.text
    r = await subscribe(anon, "http://hooks.example.com/x", kind="webhook")
    assert r.status_code == 422 and "https" in r.text


async def test_admins_list_export_and_remove_subscribers(rt, anon, admin, smtp):
    await subscribe(anon, "jane@example.org")
    items = (await admin.get("/v1/subscribers")).json()["items"]
    assert [(s["address"], s["status"], s["services"]) for s in items] == [
        ("jane@example.org", "pending", None)]
    r = await admin.get("/v1/subscribers.csv")
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[1].startswith(f"{items[0]['id']},email,jane@example.org,,pending")
    assert (await anon.get("/v1/subscribers")).status_code == 401
    assert (await admin.get("/v1/channels")).json()["items"] == []  # operators' only
    r = await admin.delete(f"/v1/subscribers/{items[0]['id']}")
    assert r.status_code == 204
    await deliver_all(rt)
    assert smtp.messages == []  # the confirmation went with it
    assert (await admin.delete(f"/v1/subscribers/{items[0]['id']}")).status_code == 404


async def test_email_needs_the_public_url(rt, anon, settings):
    settings.public_url = None
    r = await subscribe(anon, "jane@example.org")
    assert r.status_code == 422 and "PITSTOP_PUBLIC_URL" in r.text
