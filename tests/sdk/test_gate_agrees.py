"""The SDK's gate rules give the server's answer: over random sequences of switches (with
and without expiry), windows (gating or not, paused or not, by id or by label) and time
steps, ``TargetState.refusal`` refuses exactly when ``POST /v1/leases`` does — with and
without an expected duration (the admission horizon)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pitstop import clock
from pitstop.app import create_app
from pitstop.scheduler.loop import run_once
from pitstop.sdk.gate import WATCHED
from pitstop.sdk.gate_state import TargetState
from pitstop.services.gate import GATE_EVENTS
from pitstop.services.tokens import create_token
from tests.conftest import client_for, make_settings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SCOPES = ("platform", "node:a")
SELECTORS = ("platform", "node:a", {"labels": {"region": "eu"}}, {"labels": {"region": "us"}})
step = st.one_of(
    st.tuples(st.just("enter"), st.sampled_from(SCOPES),
              st.sampled_from([None, 60, 1800])),
    st.tuples(st.just("exit"), st.sampled_from(SCOPES)),
    st.tuples(st.just("window"), st.integers(-3600, 7200), st.integers(60, 7200),
              st.sampled_from(range(len(SELECTORS))), st.booleans(), st.booleans()),
    st.tuples(st.just("advance"), st.integers(1, 5400), st.booleans()),
)


async def _apply(http, rt, op) -> None:
    kind = op[0]
    if kind == "enter":
        expires = (clock.now() + timedelta(seconds=op[2])).isoformat() if op[2] else None
        await http.post(f"/v1/targets/{op[1]}/maintenance/enter",
                        json={"reason": "r", "expires_at": expires})
    elif kind == "exit":
        await http.post(f"/v1/targets/{op[1]}/maintenance/exit", json={"reason": "r"})
    elif kind == "window":
        start = clock.now() + timedelta(seconds=op[1])
        r = await http.post("/v1/windows", json={
            "title": "w", "start": start.strftime("%Y-%m-%dT%H:%M:%S"), "timezone": "UTC",
            "duration": op[2], "affects": [{"selector": SELECTORS[op[3]]}],
            "status": "PAUSED" if op[4] else "ACTIVE", "gates_work": op[5]})
        over = op[1] + op[2] <= 0  # wholly past: refused, nothing stored
        assert r.status_code == (422 if over else 201), r.text
    else:
        clock.advance(timedelta(seconds=op[1]))
        if op[2]:  # sometimes the scheduler has recorded the transitions, sometimes not
            await run_once(rt, full=True)


async def _agrees(http) -> None:
    doc = (await http.get("/v1/targets/node:a/gate")).json()
    state, now = TargetState(doc), clock.now().timestamp()
    for expected in (None, 30, 3600):
        r = await http.post("/v1/leases", json={
            "target": "node:a", "kind": "k", "holder": "h", "expected_duration_s": expected})
        assert r.status_code in (201, 503), r.text
        refused = state.refusal(now, expected) is not None
        assert refused == (r.status_code == 503), (expected, doc, r.text)
        if r.status_code == 201:
            await http.delete(f"/v1/leases/{r.json()['id']}")


async def _scenario(url: str, steps: list) -> None:
    clock.freeze(T0)
    try:
        app = create_app(make_settings(url), run_scheduler=False)
        async with app.router.lifespan_context(app):
            rt = app.state.rt
            secret = (await create_token(rt=rt, name="t", role="admin", actor="t")).secret
            async with client_for(app, secret) as http:
                await http.put("/v1/targets/node:a", json={"labels": {"region": "eu"}})
                await _agrees(http)
                for op in steps:
                    await _apply(http, rt, op)
                    await _agrees(http)
    finally:
        clock.unfreeze()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_the_gate_refuses_exactly_when_the_server_does(steps, sqlite_template, tmp_path):
    path = tmp_path / f"gate-{abs(hash(str(steps)))}.db"
    shutil.copy(sqlite_template, path)
    try:
        asyncio.run(_scenario(f"sqlite+aiosqlite:///{path}", steps))
    finally:
        path.unlink(missing_ok=True)


def test_the_gate_follows_every_event_that_can_change_a_gate_document():
    assert set(WATCHED.split(",")) == GATE_EVENTS
