"""/v1/silence-rules: admins write the rules; a bad template is a problem that says what to
change; a rule acts on targets already in maintenance, and its deletion expires its
silences; the platform's switch silences every target a rule matches."""

from __future__ import annotations

import shutil
from datetime import timedelta

import httpx

from pitstop import clock
from pitstop.storage import silences as silences_q
from tests.silences.conftest import sync_silences

RULE = {"name": "prod", "selector": {"labels": {"env": "prod"}},
        "matchers": [{"name": "instance", "value": "{name}"}]}


async def put(admin, target: str, **labels: str) -> None:
    r = await admin.put(f"/v1/targets/{target}", json={"labels": labels})
    assert r.status_code in (200, 201), r.text


async def test_a_bad_template_is_a_problem_naming_the_field(admin, operator):
    cases = [
        ({"matchers": [{"name": "instance", "value": "{hostname}"}]}, "unknown field"),
        ({"matchers": [{"name": "1bad", "value": "{name}"}]}, "Prometheus label name"),
        ({"matchers": [{"name": "job", "value": "x", "isEqual": False}]}, "every alert"),
        ({"matchers": [{"name": "instance", "value": "{name}"},
                       {"name": "x", "value": "([", "isRegex": True}]}, "regular expression"),
        ({"selector": "node:Bad Name"}, "selector"),
    ]
    for change, words in cases:
        r = await admin.post("/v1/silence-rules", json={**RULE, **change})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["type"] == "/problems/invalid-input"
        assert words in r.json()["detail"], r.json()
    r = await operator.post("/v1/silence-rules", json=RULE)
    assert r.status_code == 403


async def test_rules_are_listed_and_a_duplicate_name_conflicts(admin):
    r = await admin.post("/v1/silence-rules", json={
        **RULE, "matchers": [{"name": "instance", "value": "{name}:9100"},
                             {"name": "job", "value": "node|{labels.role}", "isRegex": True}]})
    assert r.status_code == 201, r.text
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 409
    [rule] = (await admin.get("/v1/silence-rules")).json()["items"]
    assert rule["selector"] == {"labels": {"env": "prod"}} and rule["padding_s"] == 0
    assert rule["matchers"][1] == {"name": "job", "value": "node|{labels.role}",
                                   "isRegex": True, "isEqual": True}
    r = await admin.delete(f"/v1/silence-rules/{rule['id']}")
    assert r.status_code == 204
    assert (await admin.delete(f"/v1/silence-rules/{rule['id']}")).status_code == 404


async def test_a_target_nobody_registered_has_no_silences_to_list_but_a_404(admin):
    r = await admin.get("/v1/targets/node:nobody/silences")
    assert r.status_code == 404, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "node:nobody" in r.json()["detail"]
    await put(admin, "node:web-9")
    r = await admin.get("/v1/targets/node:web-9/silences")
    assert r.status_code == 200 and r.json()["items"] == []


async def test_a_deleted_targets_silences_stay_listed(rt, admin, alertmanager, now):
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 201
    await put(admin, "node:z", env="prod")
    for step in ("enter", "exit"):
        r = await admin.post(f"/v1/targets/node:z/maintenance/{step}", json={"reason": "r"})
        assert r.status_code == 200, r.text
        await sync_silences(rt)
    r = await admin.delete("/v1/targets/node:z", params={"reason": "gone"})
    assert r.status_code in (200, 204), r.text
    [ended] = (await admin.get("/v1/targets/node:z/silences")).json()["items"]
    assert ended["state"] == "ended"
    live = await admin.get("/v1/targets/node:z/silences", params={"live": "true"})
    assert live.status_code == 200 and live.json()["items"] == []


async def test_a_new_rule_silences_a_target_already_in_maintenance_and_its_deletion_expires(
        rt, admin, alertmanager, now):
    await put(admin, "node:web-1", env="prod")
    r = await admin.post("/v1/targets/node:web-1/maintenance/enter", json={"reason": "r"})
    assert r.status_code == 200
    created = (await admin.post("/v1/silence-rules", json=RULE)).json()
    await sync_silences(rt)
    [silence] = alertmanager.active()
    assert silence["matchers"][0]["value"] == "web-1"

    assert (await admin.delete(f"/v1/silence-rules/{created['id']}")).status_code == 204
    await sync_silences(rt)
    assert alertmanager.active() == []
    [row] = (await admin.get("/v1/silences")).json()["items"]
    assert row["state"] == "ended" and row["alertmanager_id"] is None


async def test_the_platform_switch_silences_every_matching_target_once(
        rt, admin, alertmanager, now):
    for name, env in (("a", "prod"), ("b", "prod"), ("c", "dev")):
        await put(admin, f"node:{name}", env=env)
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 201
    r = await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "r"})
    assert r.status_code == 200
    r = await admin.post("/v1/targets/node:a/maintenance/enter", json={"reason": "own"})
    assert r.status_code == 200
    await sync_silences(rt)
    silenced = sorted(s["matchers"][0]["value"] for s in alertmanager.active())
    assert silenced == ["a", "a", "b"]  # node:a for the platform's switch and its own
    causes = {(s["target"], s["cause"]) for s in
              (await admin.get("/v1/silences", params={"live": "true"})).json()["items"]}
    assert causes == {("node:a", "switch:platform"), ("node:a", "switch:node:a"),
                      ("node:b", "switch:platform")}
    r = await admin.post("/v1/targets/platform/maintenance/exit", json={"reason": "r"})
    await sync_silences(rt)
    [left] = alertmanager.active()
    assert left["comment"].startswith("node:a: ")


async def test_a_stray_is_expired_and_a_silence_made_before_a_crash_is_adopted(
        rt, admin, alertmanager, now):
    """A silence of pitstop's whose row is unknown is left behind by no one; one created
    just before a crash (its id never recorded) is taken over, not made twice."""
    await put(admin, "node:web-1", env="prod")
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 201
    assert (await admin.post("/v1/targets/node:web-1/maintenance/enter",
                             json={"reason": "r"})).status_code == 200
    async with rt.db.read() as conn:
        [row] = await silences_q.live_silences(conn=conn)
    body = {"matchers": row["matchers"], "startsAt": _z(now), "createdBy": "pitstop",
            "endsAt": _z(now.replace(year=now.year + 1))}
    async with httpx.AsyncClient(base_url=alertmanager.url) as am:
        before_crash = (await am.post("/api/v2/silences", json={
            **body, "comment": f"node:web-1: x (pitstop silence #{row['id']})"})).json()
        stray = (await am.post("/api/v2/silences", json={
            **body, "comment": "gone (pitstop silence #999)"})).json()
    await sync_silences(rt)
    [kept] = alertmanager.active()
    assert kept["id"] == before_crash["silenceID"]
    assert [s["status"]["state"] for s in alertmanager.silences()
            if s["id"] == stray["silenceID"]] == ["expired"]
    [shown] = (await admin.get("/v1/targets/node:web-1/silences")).json()["items"]
    assert shown["alertmanager_id"] == kept["id"] and shown["synced"] is True


def _z(at) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def test_an_open_ended_maintenance_keeps_its_silence_extended_in_place(
        rt, admin, alertmanager, now):
    await put(admin, "node:web-1", env="prod")
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 201
    assert (await admin.post("/v1/targets/node:web-1/maintenance/enter",
                             json={"reason": "r"})).status_code == 200
    await sync_silences(rt)
    [first] = alertmanager.active()
    assert first["endsAt"].startswith(_z(now + timedelta(hours=24))[:16])

    clock.freeze(now + timedelta(hours=13))  # less than half of the 24 hours is left
    await sync_silences(rt)
    [extended] = alertmanager.active()
    assert extended["id"] == first["id"]  # the same silence, updated in place
    assert extended["endsAt"].startswith(_z(now + timedelta(hours=37))[:16])


async def test_a_silence_alertmanager_lost_is_made_again(rt, admin, alertmanager, now):
    await put(admin, "node:web-1", env="prod")
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 201
    assert (await admin.post("/v1/targets/node:web-1/maintenance/enter",
                             json={"reason": "r"})).status_code == 200
    await sync_silences(rt)
    [lost] = alertmanager.active()
    alertmanager.stop()
    shutil.rmtree(alertmanager.workdir / "data")  # it comes back without its silences
    alertmanager.start()
    assert alertmanager.silences() == []

    await sync_silences(rt)  # the worker's periodic check
    [again] = alertmanager.active()
    assert again["id"] != lost["id"] and again["matchers"] == lost["matchers"]
    [row] = (await admin.get("/v1/targets/node:web-1/silences")).json()["items"]
    assert row["alertmanager_id"] == again["id"]


async def test_a_change_on_one_target_syncs_only_its_silences_and_leaves_what_a_full_sync_would(
        rt, admin, alertmanager, now):
    """The step syncs only the targets a change is about (a node's enter costs that node's
    silences, not the fleet's); after every change a full sync finds nothing to write."""
    from pitstop.services import silences as silences_s
    from pitstop.services.events import Event

    async def nothing_left_to_write() -> None:
        assert await silences_s.resync(rt.db) == 0

    for name, env in (("a", "prod"), ("b", "prod"), ("c", "dev")):
        await put(admin, f"node:{name}", env=env)
    assert (await admin.post("/v1/silence-rules", json=RULE)).status_code == 201
    await nothing_left_to_write()
    started = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S")
    steps = [
        ("post", "/v1/targets/node:a/maintenance/enter", {"reason": "disk"}),
        ("post", "/v1/targets/node:c/maintenance/enter", {"reason": "dev box"}),
        ("put", "/v1/targets/node:c", {"labels": {"env": "prod"}}),  # now a rule matches
        ("put", "/v1/targets/node:a", {"labels": {"env": "dev"}}),  # and now it does not
        ("post", "/v1/targets/platform/maintenance/enter", {"reason": "all"}),
        ("post", "/v1/targets/node:c/maintenance/exit", {"reason": "done"}),
        ("post", "/v1/windows", {"title": "DB", "start": started, "timezone": "UTC",
                                 "duration": "PT1H",
                                 "affects": [{"selector": {"labels": {"env": "prod"}}}]}),
        ("post", "/v1/targets/platform/maintenance/exit", {"reason": "done"}),
    ]
    for method, path, body in steps:
        r = await getattr(admin, method)(path, json=body)
        assert r.status_code in (200, 201), (path, r.text)
        await nothing_left_to_write()
    await sync_silences(rt)
    silenced = sorted((s["matchers"][0]["value"], s["comment"].split(":")[1].strip())
                      for s in alertmanager.active())
    assert [name for name, _ in silenced] == ["b", "c"]  # the window, on env=prod

    touched = silences_s._touched
    at = now
    assert touched([Event("maintenance.entered", "node:a", at)]) == {"node:a"}
    assert touched([Event("target.updated", "node:a", at),
                    Event("node.maintenance_entered", "node:b", at)]) == {"node:a", "node:b"}
    assert touched([Event("maintenance.entered", "platform", at)]) is None
    assert touched([Event("occurrence.transitioned", "window:1", at)]) is None
