"""DELETE /v1/targets/{target}: admins delete a target nothing refers to any more, audited,
and everyone watching sees it go; what still refers to it is named with what to do."""

from __future__ import annotations

import pytest

from tests.api.test_bad_input import HOOK
from tests.api.test_windows import window

GONE = {"reason": "decommissioned"}


async def test_a_deleted_target_is_gone_audited_and_announced(admin, rt):
    await admin.put("/v1/targets/service:shop", json={"labels": {"tier": "1"}})
    seen: list[str] = []
    rt.bus.subscribe(lambda event: seen.append(event.type))
    r = await admin.delete("/v1/targets/service:shop", params=GONE)
    assert r.status_code == 204
    assert (await admin.get("/v1/targets/service:shop")).status_code == 404
    ids = [t["id"] for t in (await admin.get("/v1/targets")).json()["items"]]
    assert ids == ["platform"]
    assert seen == ["target.deleted"]
    entry = (await admin.get("/v1/history", params={"target": "service:shop"})).json()["items"][0]
    assert (entry["action"], entry["reason"]) == ("target.deleted", "decommissioned")
    again = await admin.put("/v1/targets/service:shop", json={"labels": {}})
    assert again.status_code == 201  # the name is free again


async def test_only_admins_delete_and_a_reason_is_required(admin, operator):
    await admin.put("/v1/targets/node:web-1", json={"labels": {}})
    assert (await operator.delete("/v1/targets/node:web-1", params=GONE)).status_code == 403
    assert (await admin.delete("/v1/targets/node:web-1")).status_code == 422
    assert (await admin.delete("/v1/targets/node:nope", params=GONE)).status_code == 404


@pytest.mark.parametrize(("setup", "says"), [
    ("platform", "cannot be deleted"),
    ("maintenance", "pitstop exit service:shop"),
    ("lease", "pitstop leases release"),
    ("window", "pitstop windows edit"),
    ("subscription", "pitstop subscriptions delete"),
])
async def test_what_still_refers_to_a_target_is_a_409_saying_what_to_do(admin, frozen, setup,
                                                                      says):
    target = "platform" if setup == "platform" else "service:shop"
    await admin.put("/v1/targets/service:shop", json={"labels": {}})
    if setup == "maintenance":
        await admin.post("/v1/targets/service:shop/maintenance/enter", json={"reason": "x"})
    elif setup == "lease":
        r = await admin.post("/v1/leases", json={"target": target, "kind": "job", "holder": "h"})
        assert r.status_code == 201, r.text
    elif setup == "window":
        r = await admin.post("/v1/windows", json=window(affects=[
            {"selector": target, "impact": "MAINTENANCE"}]))
        assert r.status_code == 201, r.text
    elif setup == "subscription":
        channel = (await admin.post("/v1/channels", json=HOOK)).json()
        r = await admin.post("/v1/subscriptions", json={"channel": channel["id"],
                                                        "target": target})
        assert r.status_code == 201, r.text
    r = await admin.delete(f"/v1/targets/{target}", params=GONE)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert says in r.json()["detail"]
    assert (await admin.get(f"/v1/targets/{target}")).status_code == 200


async def test_a_registered_node_is_unregistered_first(admin):
    await admin.post("/v1/nodes", json={"name": "web-1", "labels": {}})
    r = await admin.delete("/v1/targets/node:web-1", params=GONE)
    assert r.status_code == 409 and "pitstop nodes delete web-1" in r.json()["detail"]
    assert (await admin.delete("/v1/nodes/web-1")).status_code == 204
    assert (await admin.delete("/v1/targets/node:web-1", params=GONE)).status_code == 204


async def test_ended_work_does_not_keep_a_target(admin):
    await admin.put("/v1/targets/service:shop", json={"labels": {}})
    lease = (await admin.post("/v1/leases", json={"target": "service:shop", "kind": "job",
                                                  "holder": "h"})).json()
    assert (await admin.delete(f"/v1/leases/{lease['id']}")).status_code == 204
    assert (await admin.delete("/v1/targets/service:shop", params=GONE)).status_code == 204
