"""Each subscriber's mails are in their language (issue 15: "subscriber mails are
translatable, English and German complete"): a German subscriber and an English one follow
the same windows through a real SMTP server; every mail, from the confirmation to the
cancellation, reads in the subscriber's language, dates in its format."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once
from tests.subscribers.conftest import PUBLIC_URL, deliver_all, link_in, text_of

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

GERMAN = {
    "confirm": "Bestätigen Sie Ihr Abonnement der Wartungsmeldungen",
    "welcome": "Wartungsmeldungen abonniert",
    "scheduled": "Geplant: Datenbank-Upgrade",
    "reminder": "Erinnerung: Datenbank-Upgrade",
    "starting_soon": "Beginnt in Kürze: Datenbank-Upgrade",
    "in_progress": "Läuft: Datenbank-Upgrade",
    "update": "Neuigkeit: Datenbank-Upgrade",
    "completed": "Abgeschlossen: Datenbank-Upgrade",
    "later": "Geplant: Kernel-Patch",
    "rescheduled": "Verschoben: Kernel-Patch",
    "cancelled": "Abgesagt: Kernel-Patch",
}
ENGLISH = {
    "confirm": "Confirm your subscription to maintenance notices",
    "welcome": "Subscribed to maintenance notices",
    "scheduled": "Scheduled: Datenbank-Upgrade",
    "reminder": "Reminder: Datenbank-Upgrade",
    "starting_soon": "Starting soon: Datenbank-Upgrade",
    "in_progress": "In progress: Datenbank-Upgrade",
    "update": "Update: Datenbank-Upgrade",
    "completed": "Completed: Datenbank-Upgrade",
    "later": "Scheduled: Kernel-Patch",
    "rescheduled": "Rescheduled: Kernel-Patch",
    "cancelled": "Cancelled: Kernel-Patch",
}


def subject(mail) -> str:  # type: ignore[no-untyped-def]
    return str(make_header(decode_header(mail["Subject"])))


def mails_to(smtp, address: str) -> dict[str, str]:
    """Each mail to ``address``: its subject (decoded) and its text."""
    return {subject(m): text_of(m) for m in smtp.messages if m["To"] == address}


async def _subscribe(rt, anon, smtp, address: str, **extra: object) -> None:
    r = await anon.post("/v1/public/subscribers", json={"address": address, **extra})
    assert r.status_code == 202, r.text
    await deliver_all(rt)
    mail = [m for m in smtp.messages if m["To"] == address][-1]
    r = await anon.get(link_in(mail, "/subscribe/confirm").removeprefix(PUBLIC_URL))
    assert r.status_code == 200, r.text
    await deliver_all(rt)


async def _follow_two_windows(rt, admin) -> None:
    r = await admin.post("/v1/windows", json={
        "title": "Datenbank-Upgrade", "description": "Kurze Pausen möglich.",
        "start": "2026-03-01T15:00:00", "timezone": "Europe/Berlin", "duration": "PT1H",
        "reminders": ["PT90M"], "affects": [{"selector": "service:api"}]})
    assert r.status_code == 201, r.text
    wid, oid = r.json()["id"], r.json()["occurrences"][0]["id"]
    clock.advance(30 * 60)  # 12:30: the reminder, 90 minutes ahead
    await run_once(rt, full=True)
    clock.advance(30 * 60)  # 13:00: starting soon
    await run_once(rt, full=True)
    clock.advance(3600)  # 14:00: in progress
    await run_once(rt, full=True)
    r = await admin.post(f"/v1/windows/{wid}/occurrences/{oid}/updates",
                         json={"body": "Replicas promoted.", "status": "verifying"})
    assert r.status_code == 201, r.text
    clock.advance(3600)  # 15:00: completed
    await run_once(rt, full=True)
    r = await admin.post("/v1/windows", json={
        "title": "Kernel-Patch", "start": "2026-03-03T10:00:00", "timezone": "Europe/Berlin",
        "duration": "PT30M", "affects": [{"selector": "service:api"}]})
    kernel, occ = r.json()["id"], r.json()["occurrences"][0]["id"]
    r = await admin.patch(f"/v1/windows/{kernel}/occurrences/{occ}",
                          json={"start": "2026-03-04T10:00:00", "end": "2026-03-04T10:30:00"})
    assert r.status_code == 200, r.text
    r = await admin.patch(f"/v1/windows/{kernel}/occurrences/{occ}",
                          json={"status": "CANCELLED"})
    assert r.status_code == 200, r.text
    await deliver_all(rt)


async def test_each_subscriber_reads_their_mails_in_their_language(rt, anon, admin, smtp):
    await admin.put("/v1/targets/service:api", json={})
    await _subscribe(rt, anon, smtp, "hans@example.de", language="de-DE")
    await _subscribe(rt, anon, smtp, "jane@example.org")  # no language: English
    await _follow_two_windows(rt, admin)
    german, english = mails_to(smtp, "hans@example.de"), mails_to(smtp, "jane@example.org")
    assert sorted(german) == sorted(GERMAN.values())  # each mail once, in German only
    assert sorted(english) == sorted(ENGLISH.values())

    assert "Öffnen Sie zur Bestätigung innerhalb von 48 Stunden diesen Link" in \
        german[GERMAN["confirm"]]
    assert "(alle Wartungen)" in german[GERMAN["welcome"]]
    scheduled = german[GERMAN["scheduled"]]
    assert "Datenbank-Upgrade ist geplant." in scheduled
    # Dates in German: in the window's zone, then in UTC.
    assert "Wann: So., 1. März 2026, 15:00 CET – So., 1. März 2026, 16:00 CET " \
           "(Europe/Berlin); So., 1. März 2026, 14:00 UTC" in scheduled
    assert "Betrifft: api" in scheduled and "Kurze Pausen möglich." in scheduled
    assert "Datenbank-Upgrade beginnt in 90 Minuten." in german[GERMAN["reminder"]]
    assert "Datenbank-Upgrade läuft." in german[GERMAN["in_progress"]]
    assert "Neuigkeit zu Datenbank-Upgrade (Wird überprüft), So., 1. März 2026, 14:00 UTC:" \
        in german[GERMAN["update"]] and "Replicas promoted." in german[GERMAN["update"]]
    assert "Datenbank-Upgrade ist abgeschlossen." in german[GERMAN["completed"]]
    moved = german[GERMAN["rescheduled"]]
    assert "Wann: Mi., 4. März 2026, 10:00 CET" in moved
    assert "Bisher: Di., 3. März 2026, 10:00 CET" in moved
    assert "Kernel-Patch wurde abgesagt." in german[GERMAN["cancelled"]]
    assert "Abmelden: https://status.example.com/subscribe/unsubscribe?token=" in scheduled

    assert "To confirm, open this link within 48 hours." in english[ENGLISH["confirm"]]
    assert "When: Sun, Mar 1, 2026, 15:00 CET – Sun, Mar 1, 2026, 16:00 CET " \
           "(Europe/Berlin); Sun, Mar 1, 2026, 14:00 UTC" in english[ENGLISH["scheduled"]]
    assert "Datenbank-Upgrade starts in 90 minutes." in english[ENGLISH["reminder"]]
    assert "Update on Datenbank-Upgrade (Verifying), Sun, Mar 1, 2026, 14:00 UTC:" in \
        english[ENGLISH["update"]]
    assert "Unsubscribe: https://status.example.com/" in english[ENGLISH["scheduled"]]
    hans = [m for m in smtp.messages if m["To"] == "hans@example.de"]
    assert {m["Content-Language"] for m in hans} == {"de"}
