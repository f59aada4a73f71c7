"""Per channel, notifications about one subject (a target, a window) reach the receiver in
the order of the facts, through failures and retries, and the last one matches the state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pitstop import clock
from pitstop.settings import Settings
from tests.conftest import make_settings
from tests.notify.conftest import add_channel, deliver_all, deliveries
from tests.notify.test_window_notifications import create, until

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def overrides() -> dict[str, object]:
    return {}


@pytest.fixture
def settings(database_url: str, overrides: dict[str, object]) -> Settings:
    return make_settings(database_url, **{
        "notify_backoff_base_s": 1.0, "notify_backoff_max_s": 4.0, "notify_max_attempts": 50,
        "notify_order_wait_s": 600.0, **overrides})


async def _toggle(admin, target: str, times: int) -> None:
    for i in range(times):
        r = await admin.post(f"/v1/targets/{target}/maintenance/enter",
                             json={"reason": f"round {i}"})
        assert r.status_code == 200, r.text
        r = await admin.post(f"/v1/targets/{target}/maintenance/exit", json={"reason": "done"})
        assert r.status_code == 200, r.text


async def _deliver_while_time_passes(rt, step_s: float, rounds: int) -> None:
    for _ in range(rounds):
        await deliver_all(rt)
        clock.advance(timedelta(seconds=step_s))
    await deliver_all(rt)


async def test_a_receiver_failing_during_toggles_gets_every_fact_in_order(rt, admin, receiver):
    receiver.plan.extend([500] * 30)  # down for a while, then back
    await add_channel(admin, "ops", receiver.url)
    await _toggle(admin, "platform", 10)
    await _deliver_while_time_passes(rt, rt.settings.notify_backoff_max_s, 40)
    facts = sorted(await deliveries(admin), key=lambda d: d["event"])
    assert [d["status"] for d in facts] == ["delivered"] * 20
    got = [r.json() for r in receiver.accepted()]
    assert [g["event"]["id"] for g in got] == [d["event"] for d in facts]
    assert [g["kind"] for g in got] == ["maintenance_entered", "maintenance_exited"] * 10
    assert got[-1]["title"] == "Maintenance ended: platform"
    assert (await admin.get("/health")).json()["maintenanceMode"] is False
    failed = [r for r in receiver.requests if r.answered == 500]
    assert len(failed) == 30
    assert {r.json()["kind"] for r in failed} == {"maintenance_entered"}  # the first fact


async def test_a_failing_fact_about_one_target_does_not_hold_back_another(rt, admin, receiver):
    receiver.plan.append(500)
    await add_channel(admin, "ops", receiver.url)
    assert (await admin.put("/v1/targets/node:web-1", json={})).status_code in (200, 201)
    await _toggle(admin, "platform", 1)
    await _toggle(admin, "node:web-1", 1)
    await deliver_all(rt)
    assert [r.json()["title"] for r in receiver.accepted()] == [
        "Maintenance started: node:web-1", "Maintenance ended: node:web-1"]
    clock.advance(timedelta(seconds=rt.settings.notify_backoff_max_s))
    await deliver_all(rt)
    assert [r.json()["title"] for r in receiver.accepted()][2:] == [
        "Maintenance started: platform", "Maintenance ended: platform"]


@pytest.mark.parametrize("overrides", [{"notify_max_attempts": 5}])
async def test_a_dead_earlier_fact_stops_holding_back_later_ones(rt, admin, receiver):
    receiver.plan.extend([503] * rt.settings.notify_max_attempts)
    await add_channel(admin, "ops", receiver.url)
    await _toggle(admin, "platform", 1)
    await _deliver_while_time_passes(rt, rt.settings.notify_backoff_max_s,
                                     rt.settings.notify_max_attempts)
    exited, entered = await deliveries(admin)
    assert (entered["status"], entered["attempts"]) == ("dead", rt.settings.notify_max_attempts)
    assert (exited["status"], exited["attempts"]) == ("delivered", 1)
    assert [r.json()["kind"] for r in receiver.accepted()] == ["maintenance_exited"]
    # Sending the old fact now would leave the receiver believing maintenance is on.
    r = await admin.post(f"/v1/deliveries/{entered['id']}/retry")
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"] == "/problems/delivery-superseded"
    assert problem["superseded_by"] == exited["id"]
    assert f"delivery {exited['id']}" in problem["detail"]
    await deliver_all(rt)
    assert len(receiver.requests) == rt.settings.notify_max_attempts + 1


@pytest.mark.parametrize("overrides", [{"notify_max_attempts": 5}])
async def test_the_newest_dead_fact_can_be_retried(rt, admin, receiver):
    await add_channel(admin, "ops", receiver.url)
    await _toggle(admin, "platform", 1)
    await deliver_all(rt)
    receiver.plan.extend([503] * rt.settings.notify_max_attempts)
    r = await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "again"})
    assert r.status_code == 200, r.text
    await _deliver_while_time_passes(rt, rt.settings.notify_backoff_max_s,
                                     rt.settings.notify_max_attempts)
    newest = (await deliveries(admin))[0]
    assert newest["status"] == "dead"
    r = await admin.post(f"/v1/deliveries/{newest['id']}/retry")
    assert r.status_code == 200, r.text
    await deliver_all(rt)
    assert [r.json()["title"] for r in receiver.accepted()][-1] == \
        "Maintenance started: platform"


@pytest.mark.parametrize("overrides", [{"notify_order_wait_s": 30.0}])
async def test_an_earlier_fact_holds_back_later_ones_only_for_a_bounded_wait(
        rt, admin, receiver):
    receiver.plan.extend([500] * 1000)  # down for good
    await add_channel(admin, "ops", receiver.url)
    await _toggle(admin, "platform", 1)
    r = await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "again"})
    assert r.status_code == 200, r.text
    await _deliver_while_time_passes(rt, 1.0, 36)
    again, exited, entered = await deliveries(admin)
    assert entered["status"] == "dead"
    assert entered["attempts"] < rt.settings.notify_max_attempts
    assert f"delivery {exited['id']}" in entered["last_error"]
    assert "has waited 30 s behind it" in entered["last_error"]
    # The third was held back from the first failure too: the second gets one try, not 30 s.
    assert (exited["status"], exited["attempts"]) == ("dead", 1)
    assert f"delivery {again['id']}" in exited["last_error"]
    assert again["status"] == "pending" and again["attempts"] >= 1
    tried = [r.json()["event"]["id"] for r in receiver.requests]
    assert tried == [entered["event"]] * entered["attempts"] + [exited["event"]] + \
        [again["event"]] * again["attempts"]
    receiver.plan.clear()  # back
    clock.advance(timedelta(seconds=rt.settings.notify_backoff_max_s))
    await deliver_all(rt)
    [last] = [r.json() for r in receiver.accepted()]
    assert last["title"] == "Maintenance started: platform" and last["reason"] == "again"
    assert (await admin.get("/health")).json()["maintenanceMode"] is True


async def test_a_windows_steps_reach_a_failing_receiver_in_order(rt, admin, receiver):
    receiver.plan.extend([500] * 12)
    await add_channel(admin, "ops", receiver.url)
    made = await create(admin)  # 09:00-11:00 UTC on 3 March, reminders 1 day and 1 hour
    for moment in ("2026-03-02T09:00:00", "2026-03-03T08:00:00", "2026-03-03T09:00:00",
                   "2026-03-03T11:00:00"):
        await until(rt, moment)
    await _deliver_while_time_passes(rt, rt.settings.notify_backoff_max_s, 16)
    got = [r.json() for r in receiver.accepted()]
    assert [g["kind"] for g in got] == ["reminder", "reminder", "starting_soon",
                                        "in_progress", "completed"]
    assert [g["lead"] for g in got[:2]] == ["P1D", "PT1H"]
    rows = await deliveries(admin)
    assert {(d["subject"], d["status"]) for d in rows} == {(f"window:{made['id']}",
                                                            "delivered")}
