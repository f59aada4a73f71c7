"""The audit history: every change one row, filters, keyset pages newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pitstop import clock

pytestmark = pytest.mark.usefixtures("frozen")


async def toggle(client, target: str, n: int) -> None:
    for i in range(n):
        await client.post(f"/v1/targets/{target}/maintenance/enter", json={"reason": f"on {i}"})
        clock.advance(1)
        await client.post(f"/v1/targets/{target}/maintenance/exit", json={"reason": f"off {i}"})
        clock.advance(1)


async def test_pages_walk_every_row_once_newest_first(operator):
    await toggle(operator, "platform", 30)  # 60 rows
    seen, cursor, pages = [], None, 0
    while True:
        params = {"target": "platform", "limit": "25"}
        if cursor:
            params["cursor"] = cursor
        page = (await operator.get("/v1/history", params=params)).json()
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == 60
    ids = [row["id"] for row in seen]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 60
    assert seen[0]["reason"] == "off 29" and seen[-1]["reason"] == "on 0"


async def test_filters_by_action_actor_and_time(operator, frozen):
    await operator.put("/v1/targets/service:api", json={})
    await toggle(operator, "service:api", 3)
    rows = (await operator.get("/v1/history", params={"action": "maintenance.entered"})).json()
    assert [r["reason"] for r in rows["items"]] == ["on 2", "on 1", "on 0"]
    rows = (await operator.get("/v1/history", params={"actor": "nobody"})).json()
    assert rows["items"] == []
    window = {"since": (frozen + timedelta(seconds=2)).isoformat(),
              "until": (frozen + timedelta(seconds=4)).isoformat()}
    rows = (await operator.get("/v1/history", params=window)).json()["items"]
    assert [r["reason"] for r in rows] == ["off 1", "on 1"]


async def test_target_creation_and_relabel_are_recorded_with_before_and_after(operator):
    await operator.put("/v1/targets/node:a", json={"labels": {"region": "eu"}})
    await operator.put("/v1/targets/node:a", json={"labels": {"region": "us"}})
    rows = (await operator.get("/v1/history", params={"target": "node:a"})).json()["items"]
    assert [r["action"] for r in rows] == ["target.updated", "target.created"]
    assert rows[0]["details"] == {"before": {"labels": {"region": "eu"}},
                                  "after": {"labels": {"region": "us"}}}


@pytest.mark.parametrize("params", [
    {"cursor": "not-a-cursor"}, {"limit": "0"}, {"limit": "501"},
    {"since": "2026-01-01T00:00:00"}, {"target": "rack:1"},
])
async def test_bad_history_queries_are_422(operator, params):
    r = await operator.get("/v1/history", params=params)
    assert r.status_code == 422
    assert r.json()["detail"]


async def test_workers_cannot_read_history(app, secrets):
    from tests.conftest import client_for

    async with client_for(app, secrets["worker"]) as worker:
        assert (await worker.get("/v1/history")).status_code == 403


@pytest.mark.parametrize("statement", ["UPDATE audit SET reason = 'rewritten'",
                                       "DELETE FROM audit"])
async def test_history_cannot_be_rewritten_even_in_the_database(operator, rt, statement):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    await toggle(operator, "platform", 1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with rt.db.write() as conn:
            await conn.execute(text(statement))
    rows = (await operator.get("/v1/history")).json()["items"]
    assert [r["reason"] for r in rows[:2]] == ["off 0", "on 0"]
