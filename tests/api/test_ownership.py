"""Who holds a maintenance: a second enter joins it, it ends with its last holder, nobody
ends someone else's, an admin can end it for all; and what the public may read of it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from pitstop import clock
from pitstop.services import maintenance
from pitstop.services.records import switch_from_row
from pitstop.services.tokens import create_token
from tests.conftest import client_for

ENTER = "/v1/targets/platform/maintenance/enter"
EXIT = "/v1/targets/platform/maintenance/exit"


async def in_maintenance(client: httpx.AsyncClient) -> bool:
    return (await client.get("/v1/targets/platform")).json()["in_maintenance"]


async def actions(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    rows = (await client.get("/v1/history", params={"target": "platform"})).json()["items"]
    return [(r["action"], r["actor"]) for r in reversed(rows)]


async def test_a_second_holder_joins_and_maintenance_ends_with_the_last(operator, admin):
    r = await operator.post(ENTER, json={"reason": "manual db migration, do not exit"})
    assert r.json()["outcome"] == "entered" and r.json()["changed"] is True
    r = await admin.post(ENTER, json={"reason": "kernel patch"})
    assert r.status_code == 200
    body = r.json()
    assert body["changed"] is False and body["outcome"] == "joined"
    assert "manual db migration, do not exit" in body["message"]
    holders = body["target"]["causes"][0]["holders"]
    assert [(h["actor"], h["reason"]) for h in holders] == [
        ("operator-user", "manual db migration, do not exit"), ("admin-user", "kernel patch")]

    r = await admin.post(EXIT, json={"reason": "patched"})
    assert r.json()["outcome"] == "left" and r.json()["changed"] is False
    assert "stays in maintenance" in r.json()["message"]
    assert await in_maintenance(operator)
    r = await operator.post(EXIT, json={"reason": "migration done"})
    assert r.json()["outcome"] == "exited" and not await in_maintenance(operator)
    assert await actions(operator) == [
        ("maintenance.entered", "operator-user"), ("maintenance.joined", "admin-user"),
        ("maintenance.left", "admin-user"), ("maintenance.exited", "operator-user")]


async def test_nobody_ends_a_maintenance_someone_else_holds(app, rt, operator):
    await operator.post(ENTER, json={"reason": "manual db migration, do not exit"})
    other = await create_token(rt=rt, name="bob", role="operator", actor="test")
    async with client_for(app, other.secret) as bob:
        r = await bob.post(EXIT, json={"reason": "looks done to me"})
        assert r.status_code == 409
        assert r.headers["content-type"] == "application/problem+json"
        assert "operator-user" in r.json()["detail"] and "--all" in r.json()["detail"]
        assert r.json()["holders"][0]["reason"] == "manual db migration, do not exit"
        r = await bob.post(EXIT, json={"reason": "force it", "all": True})
        assert r.status_code == 403  # ending it for all is an admin's call
    assert await in_maintenance(operator)
    assert [a for a, _ in await actions(operator)] == ["maintenance.entered"]


async def test_an_admin_ends_it_for_every_holder_and_it_is_recorded(operator, admin):
    await operator.post(ENTER, json={"reason": "migration"})
    await operator.post(ENTER, json={"reason": "release 45", "hold": "deploy-1"})
    r = await admin.post(EXIT, json={"reason": "incident over, reopening", "all": True})
    assert r.status_code == 200 and r.json()["outcome"] == "exited"
    assert "ended for all 2 holders" in r.json()["message"]
    assert not await in_maintenance(operator)
    row = (await admin.get("/v1/history", params={"limit": 1})).json()["items"][0]
    assert (row["action"], row["actor"]) == ("maintenance.exited", "admin-user")
    assert row["details"]["forced"] is True
    assert [h["key"] for h in row["details"]["released"]] == ["", "deploy-1"]


async def test_a_tool_ends_only_its_own_named_hold_of_the_same_token(operator):
    await operator.post(ENTER, json={"reason": "manual db migration, do not exit"})
    r = await operator.post(ENTER, json={"reason": "release 45", "hold": "deploy-3f9a"})
    assert r.json()["outcome"] == "joined"
    again = await operator.post(ENTER, json={"reason": "release 45", "hold": "deploy-3f9a"})
    assert again.json()["outcome"] == "unchanged"
    r = await operator.post(EXIT, json={"reason": "deployed", "hold": "deploy-3f9a"})
    assert r.json()["outcome"] == "left" and await in_maintenance(operator)
    r = await operator.post(EXIT, json={"reason": "deployed", "hold": "deploy-3f9a"})
    assert r.status_code == 409  # that hold is gone; the token's own still holds it
    assert await in_maintenance(operator)


@pytest.mark.parametrize("hold", ["has space", "x" * 64, "ünï"])
async def test_a_bad_hold_name_is_422_naming_the_field(operator, hold):
    r = await operator.post(ENTER, json={"reason": "r", "hold": hold})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "hold"
    assert not await in_maintenance(operator)


@pytest.mark.usefixtures("frozen")
async def test_one_holder_expiring_leaves_the_others_holding(rt, operator, admin):
    until = (clock.now() + timedelta(minutes=10)).isoformat()
    await operator.post(ENTER, json={"reason": "short job", "expires_at": until})
    await admin.post(ENTER, json={"reason": "long job"})
    clock.advance(timedelta(minutes=11))
    assert await maintenance.expire_switches(rt=rt, now=clock.now()) == 1
    view = (await operator.get("/v1/targets/platform")).json()
    assert view["in_maintenance"] is True
    assert [h["actor"] for h in view["causes"][0]["holders"]] == ["admin-user"]
    row = (await admin.get("/v1/history", params={"limit": 1})).json()["items"][0]
    assert (row["action"], row["actor"]) == ("maintenance.left", "system")
    assert "short job" in row["reason"]


@pytest.mark.usefixtures("frozen")
async def test_the_last_hold_expiring_ends_the_maintenance(rt, operator):
    until = (clock.now() + timedelta(minutes=10)).isoformat()
    await operator.post(ENTER, json={"reason": "short job", "expires_at": until})
    assert maintenance.next_switch_expiry(rt) == clock.now() + timedelta(minutes=10)
    clock.advance(timedelta(minutes=10))
    assert not await in_maintenance(operator)  # off at once, before the job records it
    await maintenance.expire_switches(rt=rt, now=clock.now())
    assert (await actions(operator))[-1] == ("maintenance.exited", "system")


async def test_the_public_sees_the_public_message_never_the_reason(operator, anon):
    await operator.post(ENTER, json={"reason": "alice: manual db migration, do not exit",
                                     "public_message": "Planned database upgrade"})
    page = (await anon.get("/")).text
    assert "Planned database upgrade" in page
    assert "manual db migration" not in page and "alice" not in page
    health = (await anon.get("/health")).json()
    assert health["maintenanceReason"] == "Planned database upgrade"
    cause = (await operator.get("/v1/targets/platform")).json()["causes"][0]
    assert cause["reason"] == "alice: manual db migration, do not exit"  # operators see both
    assert cause["public_message"] == "Planned database upgrade"


async def test_without_a_public_message_the_public_reads_a_neutral_text(operator, anon):
    await operator.post(ENTER, json={"reason": "alice: manual db migration, do not exit"})
    page = (await anon.get("/")).text
    assert "Maintenance in progress" in page and "manual db migration" not in page
    assert (await anon.get("/health")).json()["maintenanceReason"] == "Maintenance in progress"


async def test_a_public_message_over_500_characters_is_refused(operator):
    r = await operator.post(ENTER, json={"reason": "r", "public_message": "x" * 501})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "public_message"
    assert not await in_maintenance(operator)


async def test_the_deploy_api_exits_only_its_own_hold_and_says_so(app, rt, operator, secrets):
    await operator.post(ENTER, json={"reason": "CVE fix: db creds rotated, do not exit"})
    async with client_for(app, **{"x-admin-code": secrets["admin"]}) as ci:
        r = await ci.post("/admin/maintenance/exit")
        assert r.status_code == 409  # not its hold: others end theirs
        assert r.json() == {"error": "Conflict", "message": r.json()["message"]}
        assert "CVE" not in r.text and "entered by others" in r.json()["message"]
        await ci.post("/admin/maintenance/enter", json={"reason": "release 45"})
        r = await ci.post("/admin/maintenance/exit")
        assert r.status_code == 200
        assert r.json()["message"].startswith("Released this admin code's hold")
        assert r.json()["status"]["maintenanceMode"] is True
    assert await in_maintenance(operator)


def test_holds_left_stale_by_an_older_replica_give_way_to_its_summary():
    """During a rolling upgrade an older replica writes only the maint_* columns."""
    stale = [{"actor": "alice", "key": "", "reason": "old", "public_message": None,
              "since": "2026-03-01T10:00:00Z", "expires_at": None}]
    since = clock.now()
    row = {"id": "platform", "maint_on": True, "maint_reason": "entered by the old version",
           "maint_actor": "bob", "maint_since": since, "maint_expires_at": None,
           "maint_holds": stale}
    switch = switch_from_row(row)
    assert switch is not None
    assert [(h.actor, h.reason) for h in switch.holds] == [("bob", "entered by the old version")]
