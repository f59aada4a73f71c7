"""Receivers on localhost, and settings that retry quickly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pitstop.settings import Settings
from tests.conftest import make_settings
from tests.live import free_port
from tests.receivers import HttpReceiver, SmtpReceiver

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, notify_backoff_base_s=1.0, notify_backoff_max_s=4.0,
                         notify_max_attempts=5)


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    r = SmtpReceiver(free_port())
    yield r
    r.close()


async def add_channel(admin, name: str, url: str, *, kind: str = "webhook",
                      events: list[str] | None = None, **sub: object) -> str:
    body = {"name": name, "kind": kind, "url": url, "timeout_s": 1}
    if kind == "webhook":
        body["secret"] = SECRET
    r = await admin.post("/v1/channels", json=body)
    assert r.status_code == 201, r.text
    channel = r.json()["id"]
    r = await admin.post("/v1/subscriptions", json={"channel": channel, "events": events, **sub})
    assert r.status_code == 201, r.text
    return channel


async def deliver_all(rt, rounds: int = 100) -> None:
    """Run the outbox worker until nothing is due now (the clock is frozen)."""
    for _ in range(rounds):
        if await rt.delivery.run_once() > 0:
            return


async def deliveries(admin, **params: str) -> list[dict]:
    """GET /v1/deliveries, newest first."""
    r = await admin.get("/v1/deliveries", params=params)
    assert r.status_code == 200, r.text
    return r.json()["items"]
