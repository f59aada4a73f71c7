"""The SDK: sync and async clients with typed errors, and leases that heartbeat."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pitstop import clock, sdk


def test_sdk_imports_nothing_from_the_server():
    code = ("import sys, pitstop.sdk, pitstop.sdk.celery; print(sorted(m for m in sys.modules "
            "if m.startswith('pitstop') and m != 'pitstop' and not m.startswith('pitstop.sdk')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
    heavy = subprocess.run([sys.executable, "-c", "import sys, pitstop.sdk; "
                            "print([m for m in ('fastapi', 'sqlalchemy') if m in sys.modules])"],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert heavy == "[]"


class _OnLoop(httpx.BaseTransport):
    """A sync client's requests, served by the in-process app on the test's event loop: the
    client is used from other threads (the test's work, its lease's heartbeats)."""

    def __init__(self, app, loop: asyncio.AbstractEventLoop) -> None:
        self._asgi, self._loop = httpx.ASGITransport(app=app), loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def serve() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            return httpx.Response(response.status_code, headers=response.headers,
                                  content=await response.aread())
        return asyncio.run_coroutine_threadsafe(serve(), self._loop).result(30)


TTL = timedelta(seconds=3)  # the leases' ttl_s: a heartbeat every second


def _advance(sdk_clock: sdk.FrozenClock, delta: timedelta) -> None:
    """The server's time and the SDK's move together."""
    clock.advance(delta)
    sdk_clock.advance(delta)


async def test_sync_client_and_a_lease_that_outlives_its_ttl(frozen, app, secrets):
    sdk_clock = sdk.FrozenClock(frozen)
    transport = _OnLoop(app, asyncio.get_running_loop())

    def work() -> None:
        with sdk.Client("http://test", secrets["admin"], transport=transport,
                        clock=sdk_clock) as client:
            client.put_target("node:a", {"region": "eu"})
            with client.lease("node:a", "build", "runner", ttl_s=3, phase="compile") as lease:
                for _ in range(9):  # three TTLs: only the background heartbeats keep it alive
                    sdk_clock.block_until(1)  # the heartbeat thread waits for its next beat
                    _advance(sdk_clock, TTL / 3)
                sdk_clock.block_until(1)
                assert not lease.lost
                assert client.drain("node:a")["in_flight"] == 1
                [held] = client.list_leases("node:a")["items"]  # renewed by the last beat
                assert datetime.fromisoformat(held["expires_at"]) == frozen + 4 * TTL
                lease.set_phase("link")
                assert client.get_target("node:a")["drain"]["current_phase"] == "link"
            assert client.drain("node:a")["in_flight"] == 0
            entered = client.enter("node:a", "swap disk", wait_ms=1000)
            assert entered["waited"]["safe_to_deploy"] is True
            with pytest.raises(sdk.InMaintenance) as refused:
                client.acquire("node:a", "build", "runner")
            assert refused.value.causes[0]["reason"] == "swap disk"
            assert refused.value.target == "node:a"

    await asyncio.to_thread(work)


async def test_an_async_lease_outlives_its_ttl(frozen, app, secrets):
    sdk_clock = sdk.FrozenClock(frozen)
    transport = httpx.ASGITransport(app=app)
    c = sdk.AsyncClient("http://test", secrets["worker"], transport=transport, clock=sdk_clock)
    async with c, c.lease("platform", "job", "w", ttl_s=3) as lease:
        for _ in range(9):  # three TTLs: only the heartbeat task keeps it alive
            await sdk_clock.ablock_until(1)
            _advance(sdk_clock, TTL / 3)
        await sdk_clock.ablock_until(1)
        assert not lease.lost
        [held] = (await c.list_leases())["items"]  # renewed by the last beat
        assert datetime.fromisoformat(held["expires_at"]) == frozen + 4 * TTL


async def test_async_client_typed_errors(app, secrets):
    transport = httpx.ASGITransport(app=app)
    async with sdk.AsyncClient("http://test", secrets["operator"], transport=transport) as c:
        await c.put_target("service:api")
        with pytest.raises(sdk.NotFound):
            await c.get_target("service:nope")
        with pytest.raises(sdk.BadRequest) as bad:
            await c.enter("service:api", " ")
        assert bad.value.errors[0]["field"] == "reason"
        await c.enter("platform", "db", expires_at="2999-01-01T00:00:00Z")
        with pytest.raises(sdk.InMaintenance) as refused:
            await c.acquire("service:api", "job", "w")
        assert refused.value.retry_after and refused.value.retry_after > 0
        with pytest.raises(sdk.Forbidden):
            await c.create_token("x", "viewer")
    async with sdk.AsyncClient("http://test", "pst_bad", transport=transport) as c:
        with pytest.raises(sdk.Unauthorized):
            await c.list_targets()


async def test_async_lease_releases_on_exit(app, secrets):
    transport = httpx.ASGITransport(app=app)
    async with sdk.AsyncClient("http://test", secrets["worker"], transport=transport) as c:
        async with c.lease("platform", "job", "w", ttl_s=60) as lease:
            assert (await c.list_leases())["items"][0]["id"] == lease.id
            await lease.set_phase("resolving")
        assert (await c.list_leases())["items"] == []
        with pytest.raises(sdk.Conflict) as ended:
            await c.heartbeat(lease.id)
        assert "released" in ended.value.detail


def test_unreachable_server_is_a_typed_error():
    with sdk.Client("http://127.0.0.1:9", "t") as client, pytest.raises(sdk.Unreachable):
        client.health()


@pytest.mark.parametrize("spelling", ["maintenance-soon", "maintenance_soon"])
def test_a_refusal_is_typed_in_both_spellings_of_its_type(spelling):
    """A pitstop 0.1 server wrote ``maintenance_soon`` and ``database_unavailable``."""
    def refusal(kind: str) -> httpx.Response:
        return httpx.Response(503, headers={"Retry-After": "90"},
                              json={"type": f"/problems/{kind}", "detail": "later"})

    soon = sdk.errors.error_from_response(refusal(spelling))
    assert isinstance(soon, sdk.MaintenanceSoon) and soon.retry_after == 90
    down = sdk.errors.error_from_response(refusal(spelling.replace(
        "maintenance", "database").replace("soon", "unavailable")))
    assert isinstance(down, sdk.errors.Unavailable) and down.retry_after == 90
    plain = sdk.errors.error_from_response(refusal("maintenance"))
    assert type(plain) is sdk.InMaintenance


def test_windows_through_the_sdk_and_a_typed_maintenance_soon(live):
    # The live server's own (real) clock decides: 30 minutes is far enough either way.
    start = (datetime.now(UTC) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    with sdk.Client(live.url, live.token) as client:
        window = client.create_window(title="patch", start=start, timezone="UTC",
                                      duration="PT1H", affects=[{"selector": "platform"}])
        assert client.get_window(window["id"])["title"] == "patch"
        with pytest.raises(sdk.MaintenanceSoon) as soon:
            client.acquire("platform", "build", "runner", expected_duration_s=3600)
        assert soon.value.occurrence["window"] == window["id"]
        assert soon.value.retry_after is not None
        lease = client.acquire("platform", "build", "runner", expected_duration_s=3600,
                               force=True)
        client.release(lease["id"])
        occ = client.list_occurrences(window["id"])["items"][0]
        assert client.update_occurrence(window["id"], occ["id"],
                                        status="CANCELLED")["status"] == "CANCELLED"
        client.acquire("platform", "build", "runner", expected_duration_s=3600)
        assert client.report_status("api", "DOWN")["displayed"] == "DOWN"
        assert [s["name"] for s in client.list_services()["items"]] == ["api"]
        preview = client.preview(start="2027-01-01T00:00:00", timezone="UTC", duration=60,
                                 rrule="FREQ=DAILY", count=3)
        assert len(preview["occurrences"]) == 3
        client.delete_window(window["id"])
        with pytest.raises(sdk.NotFound):
            client.get_window(window["id"])
