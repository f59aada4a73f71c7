"""Channels and subscriptions over HTTP: admin only, secrets never shown, bad input refused
with a message that says what to change, and nothing stored changed by it."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.notify.conftest import SECRET

HOOK = {"name": "ops", "kind": "webhook",
        "url": "https://hooks.example.com/api/webhooks/42/pathsecret?token=t0ps3cret",
        "secret": SECRET}


async def test_secrets_are_never_returned(admin):
    r = await admin.post("/v1/channels", json=HOOK)
    assert r.status_code == 201, r.text
    slack = {"name": "slack", "kind": "apprise",
             "url": "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#ops"}
    r = await admin.post("/v1/channels", json=slack)
    assert r.status_code == 201, r.text
    mail = {"name": "mail", "kind": "apprise",
            "url": "mailto://ops:hunter2hunter2@mail.example.com?to=ops@example.com"}
    assert (await admin.post("/v1/channels", json=mail)).status_code == 201
    listed = (await admin.get("/v1/channels")).text
    for secret in (SECRET, "t0ps3cret", "pathsecret", "TIiajkdnlazkcOXrIdevi7FQ",
                   "hunter2hunter2"):
        assert secret not in listed
    by_name = {c["name"]: c for c in (await admin.get("/v1/channels")).json()["items"]}
    assert by_name["ops"]["url"] == "https://hooks.example.com/***"
    assert by_name["ops"]["has_secret"] is True and "secret" not in by_name["ops"]
    assert by_name["slack"]["url"].startswith("slack://T...2/A...D/T...Q")
    history = (await admin.get("/v1/history")).text
    assert SECRET not in history and "t0ps3cret" not in history


@pytest.mark.parametrize(("body", "field", "says"), [
    ({**HOOK, "kind": "pager"}, "kind", "webhook"),
    ({**HOOK, "url": "ftp://x"}, "url", "http:// or https://"),
    ({**HOOK, "secret": None}, "secret", "at least 16 characters"),
    ({**HOOK, "secret": "short"}, "secret", "at least 16 characters"),
    ({**HOOK, "kind": "apprise", "url": "nonsense://x", "secret": None}, "url",
     "apprise does not understand"),
    ({**HOOK, "kind": "apprise", "url": "json://localhost"}, "secret", "takes no secret"),
    ({**HOOK, "timeout_s": 0}, "timeout_s", "greater than 0"),
    ({**HOOK, "name": ""}, "name", "at least 1"),
])
async def test_bad_channels_are_refused_and_nothing_is_stored(admin, body, field, says):
    r = await admin.post("/v1/channels", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == field
    assert says in problem["errors"][0]["message"]
    assert (await admin.get("/v1/channels")).json()["items"] == []


async def test_a_second_channel_with_the_same_name_conflicts(admin):
    assert (await admin.post("/v1/channels", json=HOOK)).status_code == 201
    r = await admin.post("/v1/channels", json=HOOK)
    assert r.status_code == 409 and "choose another name" in r.json()["detail"]


async def test_subscriptions_are_validated(admin):
    channel = (await admin.post("/v1/channels", json=HOOK)).json()["id"]
    cases = [({"channel": "ch_nope"}, "channel", "no channel"),
             ({"channel": channel, "events": ["exploded"]}, "events", "unknown: exploded"),
             ({"channel": channel, "events": []}, "events", "non-empty"),
             ({"channel": channel, "target": "rack:1"}, "target", "target"),
             ({"channel": channel, "window": 999}, "window", "no window 999")]
    for body, field, says in cases:
        r = await admin.post("/v1/subscriptions", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field and says in r.json()["detail"]
    r = await admin.post("/v1/subscriptions", json={"channel": channel})
    assert r.status_code == 201
    assert r.json()["events"] == ["maintenance_entered", "maintenance_exited", "reminder",
                                  "starting_soon", "in_progress", "completed", "cancelled",
                                  "rescheduled", "maintenance_update"]
    assert len((await admin.get("/v1/subscriptions")).json()["items"]) == 1
    assert (await admin.delete(f"/v1/channels/{channel}")).status_code == 204
    assert (await admin.get("/v1/subscriptions")).json()["items"] == []


async def test_only_admins_manage_notifications(app, secrets):
    for role in ("operator", "viewer", "worker"):
        async with client_for(app, secrets[role]) as c:
            assert (await c.post("/v1/channels", json=HOOK)).status_code == 403
            assert (await c.get("/v1/deliveries")).status_code == 403


async def test_deliveries_filter_is_checked(admin):
    r = await admin.get("/v1/deliveries", params={"status": "lost"})
    assert r.status_code == 422 and "pending, delivered, dead" in r.json()["detail"]
    r = await admin.post("/v1/deliveries/12345/retry")
    assert r.status_code == 404
