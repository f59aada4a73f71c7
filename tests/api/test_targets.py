"""Targets: platform always exists; nodes and services created with labels."""

from __future__ import annotations

import pytest


async def test_platform_always_exists(operator):
    items = (await operator.get("/v1/targets")).json()["items"]
    assert [t["id"] for t in items] == ["platform"]


async def test_put_creates_then_updates(operator):
    r = await operator.put("/v1/targets/service:api", json={"labels": {"env": "prod"}})
    assert r.status_code == 201
    assert r.json()["labels"] == {"env": "prod"}
    r = await operator.put("/v1/targets/service:api", json={"labels": {"env": "dev"}})
    assert r.status_code == 200 and r.json()["labels"] == {"env": "dev"}
    kinds = (await operator.get("/v1/targets", params={"kind": "service"})).json()["items"]
    assert [t["id"] for t in kinds] == ["service:api"]


@pytest.mark.parametrize("target", ["node:", "node:UPPER", "node:" + "a" * 64, "rack:a",
                                    "node:a b"])
async def test_bad_names_are_422(operator, target):
    r = await operator.put(f"/v1/targets/{target}", json={})
    assert r.status_code == 422
    assert "a-z 0-9" in r.json()["detail"] or "platform" in r.json()["detail"]


async def test_bad_labels_are_422(operator):
    r = await operator.put("/v1/targets/node:a", json={"labels": {"Bad Key": "x"}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "labels"
    r = await operator.put("/v1/targets/node:a", json={"labels": {"k": 5}})
    assert r.status_code == 422
    assert (await operator.get("/v1/targets/node:a")).status_code == 404


async def test_unknown_target_is_404(operator):
    r = await operator.get("/v1/targets/node:nope")
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/not-found"


async def test_unknown_endpoint_is_a_problem(operator):
    r = await operator.get("/v1/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_target_reads_do_not_touch_the_database(operator, rt):
    from sqlalchemy import text

    await operator.put("/v1/targets/node:a", json={"labels": {"region": "eu"}})
    await operator.post("/v1/targets/node:a/maintenance/enter", json={"reason": "disk"})
    async with rt.db.write() as conn:  # the tables vanish: a read that needed them would fail
        await conn.execute(text("ALTER TABLE targets RENAME TO targets_away"))
    try:
        for _ in range(2):  # computed, then from the view cache
            r = await operator.get("/v1/targets/node:a")
            assert r.status_code == 200 and r.json()["in_maintenance"] is True
        assert (await operator.get("/health")).status_code == 200
    finally:
        async with rt.db.write() as conn:
            await conn.execute(text("ALTER TABLE targets_away RENAME TO targets"))


async def test_documented_and_hot_routes_agree(app, operator):
    hot = (await operator.get("/v1/targets/platform")).json()
    documented = app.openapi()["paths"]["/v1/targets/{target}"]["get"]
    assert documented["operationId"]
    assert hot["id"] == "platform" and "drain" in hot
