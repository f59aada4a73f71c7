"""Real answers of the planning, notification, token, history and health routes fit the
response models the OpenAPI document names for them, for every success status (and the
problem answers that carry extra members). schemathesis mostly meets 404s on these routes;
this drives each one with real data, so a model that forgets or mistypes a member fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from pitstop.api.models.health import Health, Liveness, Readiness
from pitstop.api.models.history import HistoryPage
from pitstop.api.models.notifications import (
    Channel,
    ChannelList,
    ChannelTest,
    Delivery,
    DeliveryList,
    Subscription,
    SubscriptionList,
)
from pitstop.api.models.tokens import NewToken, TokenList
from pitstop.api.models.windows import (
    Occurrence,
    OccurrenceList,
    RecurrencePreview,
    Window,
    WindowList,
)
from pitstop.api.problems import Problem
from pitstop.errors import DatabaseUnavailable
from tests.receivers import HttpReceiver

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z
SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


async def answer(client: httpx.AsyncClient, method: str, path: str, model: type[BaseModel],
                 status: int = 200, **kwargs: Any) -> dict[str, Any]:
    """Call ``path``; check the status, that the OpenAPI document names ``model`` with the
    answer's content type for it, and that the body fits the model."""
    r = await client.request(method, path.format(**kwargs.pop("ids", {})), **kwargs)
    assert r.status_code == status, r.text
    media = r.headers["content-type"].split(";")[0]
    documented = (await client.get("/openapi.json")).json()["paths"][path][method.lower()]
    content = documented["responses"][str(status)]["content"]
    assert content[media]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
    model.model_validate(r.json())
    return r.json()  # type: ignore[no-any-return]


def window_body(**overrides: Any) -> dict[str, Any]:
    return {"title": "DB upgrade", "start": "2026-03-01T14:00:00", "timezone": "Europe/Berlin",
            "duration": "PT1H", "rrule": "FREQ=DAILY;COUNT=3", "reminders": ["PT2H"],
            "affects": [{"selector": "platform"},
                        {"selector": {"labels": {"region": "eu"}}, "impact": "DEGRADED"}],
            **overrides}


async def test_window_and_occurrence_answers_fit_their_models(operator):
    created = await answer(operator, "POST", "/v1/windows", Window, 201, json=window_body())
    ids = {"window_id": created["id"], "occurrence_id": created["occurrences"][0]["id"]}
    await answer(operator, "GET", "/v1/windows", WindowList)
    await answer(operator, "GET", "/v1/windows/{window_id}", Window, ids=ids)
    await answer(operator, "PATCH", "/v1/windows/{window_id}", Window, ids=ids,
                 json={"status": "PAUSED", "description": None, "rrule": None})
    listed = await answer(operator, "GET", "/v1/windows/{window_id}/occurrences",
                          OccurrenceList, ids=ids)
    assert listed["items"][0]["paused"] is True

    recurring = await answer(operator, "POST", "/v1/windows", Window, 201,
                             json=window_body(title="nightly", rrule="FREQ=DAILY"))
    projected = await answer(operator, "GET", "/v1/windows/{window_id}/occurrences",
                             OccurrenceList, ids={"window_id": recurring["id"]},
                             params={"projected": "true", "to": "2026-09-01T00:00:00Z"})
    assert any(o["projected"] and o["id"] is None for o in projected["items"])
    await answer(operator, "GET", "/v1/occurrences", OccurrenceList,
                 params={"target": "platform", "from": "2026-03-01T00:00:00Z"})

    occ = {"window_id": recurring["id"], "occurrence_id": recurring["occurrences"][0]["id"]}
    moved = await answer(operator, "PATCH", "/v1/windows/{window_id}/occurrences/{occurrence_id}",
                         Occurrence, ids=occ,
                         json={"start": "2026-03-01T16:00", "end": "2026-03-01T17:30:00Z"})
    assert moved["moved"] is True
    await answer(operator, "PATCH", "/v1/windows/{window_id}/occurrences/{occurrence_id}",
                 Occurrence, ids=occ, json={"status": "CANCELLED"})
    await answer(operator, "POST", "/v1/recurrence/preview", RecurrencePreview,
                 json={"start": "2026-03-28T02:30", "timezone": "Europe/Berlin",
                       "duration": "PT1H", "rrule": "FREQ=DAILY", "count": 3})
    r = await operator.delete(f"/v1/windows/{occ['window_id']}/occurrences/"
                              f"{recurring['occurrences'][1]['id']}")
    assert r.status_code == 204 and r.content == b""
    r = await operator.delete(f"/v1/windows/{created['id']}")
    assert r.status_code == 204 and r.content == b""


async def test_notification_answers_fit_their_models(admin, receiver, rt):
    hook = {"name": "hook", "kind": "webhook", "url": f"{receiver.url}/in/tok",
            "secret": SECRET, "timeout_s": 1}
    channel = await answer(admin, "POST", "/v1/channels", Channel, 201, json=hook)
    ids = {"channel_id": channel["id"]}
    await answer(admin, "POST", "/v1/subscriptions", Subscription, 201,
                 json={"channel": channel["id"], "events": ["reminder"],
                       "target": "service:api"})
    await answer(admin, "POST", "/v1/subscriptions", Subscription, 201,
                 json={"channel": channel["id"]})
    await answer(admin, "GET", "/v1/channels", ChannelList)
    await answer(admin, "GET", "/v1/subscriptions", SubscriptionList,
                 params={"channel": channel["id"]})
    sent = await answer(admin, "POST", "/v1/channels/{channel_id}/test", ChannelTest, ids=ids)
    assert sent["delivered"] is True

    receiver.plan.append(500)  # the next test send fails: a 502 problem, a dead delivery
    r = await admin.post(f"/v1/channels/{channel['id']}/test")
    assert r.status_code == 502 and r.headers["content-type"] == "application/problem+json"
    failed = Problem.model_validate(r.json())
    members = {k: v for k, v in r.json().items() if k not in Problem.model_fields}
    ChannelTest.model_validate({**members, "delivered": False})  # a success's members
    page = await answer(admin, "GET", "/v1/deliveries", DeliveryList, params={"limit": 1})
    assert page["next"] is not None and page["items"][0]["status"] == "dead"
    assert page["items"][0]["history"][0]["status_code"] == 500
    await answer(admin, "POST", "/v1/deliveries/{delivery_id}/retry", Delivery,
                 ids={"delivery_id": failed.model_extra["delivery"]})  # type: ignore[index]
    subs = (await admin.get("/v1/subscriptions")).json()["items"]
    r = await admin.delete(f"/v1/subscriptions/{subs[0]['id']}")
    assert r.status_code == 204
    r = await admin.delete(f"/v1/channels/{channel['id']}")
    assert r.status_code == 204


async def test_token_and_history_answers_fit_their_models(admin):
    created = await answer(admin, "POST", "/v1/tokens", NewToken, 201,
                           json={"name": "ci", "role": "worker"})
    r = await admin.post("/v1/nodes", json={"name": "edge-1", "labels": {}})  # an agent token
    assert r.status_code == 201, r.text
    r = await admin.delete(f"/v1/tokens/{created['id']}")
    assert r.status_code == 204
    listed = await answer(admin, "GET", "/v1/tokens", TokenList,
                          params={"include_revoked": "true"})
    assert {t["role"] for t in listed["items"]} >= {"agent", "worker"}
    assert any(t["revoked_at"] for t in listed["items"])

    page = await answer(admin, "GET", "/v1/history", HistoryPage, params={"limit": 1})
    assert page["next_cursor"]
    await answer(admin, "GET", "/v1/history", HistoryPage,
                 params={"cursor": page["next_cursor"], "target": "node:edge-1",
                         "since": "2026-01-01T00:00:00Z"})


async def test_health_answers_fit_their_models_while_the_database_is_up_and_down(
        anon, rt, monkeypatch):
    up = await answer(anon, "GET", "/health", Health)
    assert up["status"] == "ok" and "stale" not in up
    await answer(anon, "GET", "/health/ready", Readiness)
    await answer(anon, "GET", "/health/live", Liveness)

    outage = DatabaseUnavailable(kind="connection_refused", reason="test")

    async def refuse(**_: Any) -> None:
        raise outage

    monkeypatch.setattr(rt.db, "ping", refuse)  # should /health/ready probe now
    rt.db_check.failed(outage)  # as a failed transaction reports it
    down = await answer(anon, "GET", "/health/ready", Readiness, 503)
    assert down["checks"]["database"]["error"] == "connection_refused"
    degraded = await answer(anon, "GET", "/health", Health)
    assert degraded["status"] == "degraded" and degraded["stale"] is True
