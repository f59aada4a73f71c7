"""/v1/rolls: the server's side of a rolling maintenance. Claims respect the roll's
max_unavailable (counting a failed node its hold keeps down) and every disruption budget,
only the roll's driver moves its steps, a failure stops it, and resume goes on."""

from __future__ import annotations

import httpx
import pytest

from pitstop.api.models.rolls import Budget, BudgetList, Claim, Roll, RollList

pytestmark = pytest.mark.usefixtures("frozen")
D1, D2 = "drv-1", "drv-2"


async def _roll(admin: httpx.AsyncClient, names: list[str], max_unavailable: int,
                **labels: str) -> dict:
    for name in names:
        r = await admin.post("/v1/nodes", json={"name": name,
                                                "labels": {"rack": "b", **labels}})
        assert r.status_code == 201, r.text
    r = await admin.post("/v1/rolls", json={
        "selector": {"rack": "b"}, "max_unavailable": max_unavailable,
        "reason": "kernel 6.12", "command": ["./upgrade.sh", "{node}"], "driver": D1})
    assert r.status_code == 201, r.text
    return r.json()


async def _claim(admin: httpx.AsyncClient, roll: int, driver: str = D1) -> dict:
    r = await admin.post(f"/v1/rolls/{roll}/claim", json={"driver": driver})
    assert r.status_code == 200, r.text
    return r.json()


async def _move(admin: httpx.AsyncClient, roll: int, node: str, *statuses: str,
                driver: str = D1) -> httpx.Response:
    for status in statuses:
        r = await admin.post(f"/v1/rolls/{roll}/steps/{node}",
                             json={"driver": driver, "status": status})
        assert r.status_code == 200, r.text
    return r


async def test_claims_never_take_more_than_max_unavailable(admin, operator):
    roll = await _roll(admin, ["n1", "n2", "n3"], 2)
    assert roll["status"] == "running" and roll["hold"] == f"roll-{roll['id']}"
    assert [s["status"] for s in roll["steps"]] == ["pending"] * 3
    rid = roll["id"]
    assert (await _claim(admin, rid))["node"] == "n1"
    assert (await _claim(admin, rid))["node"] == "n2"
    full = await _claim(admin, rid)
    assert full["next"] == "wait" and "max_unavailable 2" in full["why"]
    await _move(admin, rid, "n1", "draining", "running", "checking", "done")
    assert (await _claim(admin, rid))["node"] == "n3"
    assert (await _claim(admin, rid))["next"] == "finished"
    await _move(admin, rid, "n2", "draining", "running", "checking", "done")
    r = await _move(admin, rid, "n3", "draining", "running", "checking", "done")
    assert r.json()["status"] == "done" and r.json()["progress"] == {"done": 3, "total": 3}
    got = (await operator.get(f"/v1/rolls/{rid}")).json()
    assert [s["status"] for s in got["steps"]] == ["done"] * 3
    assert (await operator.get("/v1/rolls")).json()["items"][0]["id"] == rid
    actions = [row["action"] for row in (await admin.get("/v1/history")).json()["items"]]
    assert "roll.created" in actions and "roll.finished" in actions


async def test_only_its_driver_moves_it_and_steps_follow_the_table(admin):
    rid = (await _roll(admin, ["n1", "n2"], 1))["id"]
    await _claim(admin, rid)
    other = await admin.post(f"/v1/rolls/{rid}/claim", json={"driver": D2})
    assert other.status_code == 409 and "driven by another run" in other.json()["detail"]
    skip = await admin.post(f"/v1/rolls/{rid}/steps/n1", json={"driver": D1, "status": "done"})
    assert skip.status_code == 409 and skip.json()["type"] == "/problems/invalid-transition"
    busy = await admin.post(f"/v1/rolls/{rid}/resume", json={"driver": D2})
    assert busy.status_code == 409 and "in progress (n1)" in busy.json()["detail"]
    taken = await admin.post(f"/v1/rolls/{rid}/resume", json={"driver": D2, "take_over": True})
    assert taken.status_code == 200 and taken.json()["driver"] == D2
    assert [s["status"] for s in taken.json()["steps"]] == ["pending", "pending"]
    assert (await admin.get("/v1/rolls/999")).status_code == 404
    none = await admin.post("/v1/rolls", json={"selector": {"rack": "z"}, "reason": "x",
                                               "command": ["true"], "driver": D1})
    assert none.status_code == 404 and "rack=z" in none.json()["detail"]


async def test_a_waiting_claim_wakes_on_the_fleet_not_on_every_lease(admin, rt, monkeypatch):
    """A driver waiting for room asks again when who is in maintenance may have changed,
    not on each lease a busy fleet takes and gives back (each ask is a write transaction)."""
    import asyncio

    from pitstop.services import rolls as rolls_s

    rid = (await _roll(admin, ["n1", "n2"], 1))["id"]
    assert (await _claim(admin, rid))["node"] == "n1"
    asks = []
    asked = asyncio.Event()
    try_claim = rolls_s._try_claim

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        asks.append(1)
        try:
            return await try_claim(*args, **kwargs)
        finally:
            asked.set()

    monkeypatch.setattr(rolls_s, "_try_claim", counted)
    waiting = asyncio.create_task(admin.post(f"/v1/rolls/{rid}/claim",
                                             json={"driver": D1, "wait_ms": 30_000}))
    await asyncio.wait_for(asked.wait(), 10)  # it asked once, found no room, and waits
    for _ in range(20):
        r = await admin.post("/v1/leases", json={"target": "node:n2", "kind": "job",
                                                 "holder": "ci"})
        assert r.status_code == 201, r.text
        assert (await admin.delete(f"/v1/leases/{r.json()['id']}")).status_code == 204
    assert len(asks) == 1 and not waiting.done()
    await _move(admin, rid, "n1", "draining", "running", "checking", "done")
    claimed = await asyncio.wait_for(waiting, 10)
    assert claimed.json()["node"] == "n2"  # asked again on each of n1's four steps


async def test_a_failure_stops_the_roll_and_resume_goes_on(admin):
    rid = (await _roll(admin, ["n1", "n2", "n3"], 1))["id"]
    await _claim(admin, rid)
    # The driver keeps a failed node in maintenance under the roll's hold.
    await admin.post("/v1/targets/node:n1/maintenance/enter",
                     json={"reason": "kernel 6.12", "hold": f"roll-{rid}"})
    failed = await admin.post(f"/v1/rolls/{rid}/steps/n1", json={
        "driver": D1, "status": "failed", "message": "health check failed"})
    assert failed.json()["status"] == "failed"
    assert failed.json()["in_maintenance"] == ["n1"]
    assert (await _claim(admin, rid))["next"] == "stopped"
    resumed = (await admin.post(f"/v1/rolls/{rid}/resume", json={"driver": D2})).json()
    assert resumed["status"] == "running" and resumed["steps"][0]["status"] == "pending"
    # n1 is still down under the roll's hold: it is the one to retry, nothing beside it.
    assert (await _claim(admin, rid, D2))["node"] == "n1"
    assert (await _claim(admin, rid, D2))["next"] == "wait"
    step = (await _move(admin, rid, "n1", "draining", driver=D2)).json()["steps"][0]
    assert step["attempts"] == 2
    actions = [row["action"] for row in (await admin.get("/v1/history")).json()["items"]]
    assert {"roll.failed", "roll.resumed"} <= set(actions)


async def test_a_roll_waits_for_a_disruption_budget(admin):
    rid = (await _roll(admin, ["db-1", "db-2"], 2, role="db"))["id"]
    await admin.put("/v1/disruption-budgets",
                    json={"selector": {"role": "db"}, "max_unavailable": 1})
    assert (await _claim(admin, rid))["node"] == "db-1"
    held = await _claim(admin, rid)
    assert held["next"] == "wait" and held["budget"]["key"] == "role=db"
    assert "db-1" in held["why"]


async def test_answers_fit_their_models(admin, operator):
    roll = await _roll(admin, ["n1", "n2"], 1, role="db")
    Roll.model_validate(roll)
    await admin.put("/v1/disruption-budgets", json={"selector": {"role": "db"},
                                                    "max_unavailable": 1})
    Claim.model_validate(await _claim(admin, roll["id"]))
    await admin.post("/v1/nodes/n1/maintenance/enter", json={"reason": "k", "hold": "roll-1"})
    Claim.model_validate(await _claim(admin, roll["id"]))  # waiting, with its budget
    Roll.model_validate((await _move(admin, roll["id"], "n1", "draining")).json())
    RollList.model_validate((await operator.get("/v1/rolls")).json())
    BudgetList.model_validate((await operator.get("/v1/disruption-budgets")).json())
    Budget.model_validate((await admin.put("/v1/disruption-budgets", json={
        "selector": {"role": "db"}, "max_unavailable": 2})).json())
    bad = await admin.put("/v1/disruption-budgets", json={"selector": {"role": "db"},
                                                          "max_unavailable": True})
    assert bad.status_code == 422
