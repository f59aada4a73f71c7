"""Authentication and authorization: every state-changing route refuses a request without a
valid token; roles; x-admin-code; brute-force limiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pitstop import clock
from tests.conftest import client_for

OPEN_ROUTES = {("GET", "/health"), ("GET", "/health/ready"), ("GET", "/health/live"),
               ("GET", "/problems/{slug}"), ("GET", "/v1/calendar.ics"), ("GET", "/metrics"),
               ("GET", "/v1/calendar/services/{name}.ics"),  # public text only, like the page
               ("GET", "/badge/{service}.svg"),
               ("GET", "/branding/logo"),  # the public page's logo
               ("POST", "/v1/public/subscribers"),  # visitors subscribe (rate-limited)
               *(("GET", f"/api/v2/{name}.json") for name in (  # the Statuspage-compatible API
                   "summary", "status", "components", "scheduled-maintenances",
                   "scheduled-maintenances/upcoming", "scheduled-maintenances/active"))}


def _routes(app):
    """Every operation the app serves, from its OpenAPI document."""
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            yield method.upper(), path


def _url(path: str) -> str:
    return (path.replace("{target}", "platform").replace("{lease_id}", "x")
            .replace("{token_id}", "x").replace("{slug}", "maintenance"))


@pytest.mark.parametrize("secret", [None, "pst_wrong", "Basic abc"])
async def test_every_state_changing_route_refuses_without_a_valid_token(app, rt, secret):
    headers = {"Authorization": secret} if secret and secret.startswith("Basic") else {}
    changing = [(m, p) for m, p in _routes(app) if m != "GET" and (m, p) not in OPEN_ROUTES]
    assert len(changing) >= 10, changing
    before = (rt.state.targets["platform"].version, len(rt.state.leases), len(rt.state.tokens))
    for method, path in changing:
        rt.limiter._blocked_until.clear()
        async with client_for(app, None if secret and secret.startswith("Basic") else secret,
                              **headers) as c:
            r = await c.request(method, _url(path), json={"reason": "x", "target": "platform",
                                                          "kind": "k", "holder": "h",
                                                          "name": "n", "role": "admin"})
        assert r.status_code == 401, (method, path, r.status_code, r.text)
    after = (rt.state.targets["platform"].version, len(rt.state.leases), len(rt.state.tokens))
    assert before == after


async def test_every_read_route_needs_a_token_too(app):
    async with client_for(app) as c:
        for method, path in _routes(app):
            if method == "GET" and (method, path) not in OPEN_ROUTES:
                r = await c.get(_url(path))
                assert r.status_code == 401, path


async def test_health_needs_nothing(anon):
    for path in ("/health", "/health/ready", "/health/live"):  # load balancers poll them
        assert (await anon.get(path)).status_code == 200


async def test_x_admin_code_means_an_admin_token(app, secrets):
    async with client_for(app, **{"x-admin-code": secrets["admin"]}) as c:
        assert (await c.get("/v1/tokens")).status_code == 200
    async with client_for(app, **{"x-admin-code": secrets["operator"]}) as c:
        r = await c.get("/v1/targets")
    assert r.status_code == 403  # a valid token with the wrong role, not a bad one
    assert r.json()["type"] == "/problems/forbidden" and "admin token" in r.json()["detail"]


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("operator", 403),
                                              ("viewer", 403), ("worker", 403)])
async def test_only_admins_manage_tokens(app, secrets, role, status):
    async with client_for(app, secrets[role]) as c:
        assert (await c.get("/v1/tokens")).status_code == status


@pytest.mark.usefixtures("frozen")
async def test_five_failures_in_a_minute_block_the_address_for_five_minutes(app, secrets):
    async with client_for(app, "pst_guess") as bad, client_for(app, secrets["admin"]) as good:
        for _ in range(4):
            assert (await bad.get("/v1/targets")).status_code == 401
        assert (await good.get("/v1/targets")).status_code == 200
        assert (await bad.get("/v1/targets")).status_code == 401  # the fifth failure
        r = await bad.get("/v1/targets")
        assert r.status_code == 429
        assert r.headers["retry-after"] == "300"
        clock.advance(timedelta(minutes=5))
        assert (await bad.get("/v1/targets")).status_code == 401  # unblocked: a failure again


@pytest.mark.usefixtures("frozen")
async def test_failures_spread_over_more_than_a_minute_do_not_block(app):
    async with client_for(app, "pst_guess") as bad:
        for _ in range(10):
            assert (await bad.get("/v1/targets")).status_code == 401
            clock.advance(15)


@pytest.mark.usefixtures("frozen")
async def test_a_valid_token_is_served_from_a_blocked_address(app, secrets):
    async with client_for(app, "pst_stale-ci-secret") as bad, \
            client_for(app, secrets["admin"]) as good, \
            client_for(app, **{"x-admin-code": secrets["admin"]}) as ci:
        for _ in range(5):
            assert (await bad.get("/v1/targets")).status_code == 401
        r = await bad.get("/v1/targets")
        assert r.status_code == 429 and r.headers["retry-after"] == "300"
        assert (await good.get("/v1/targets")).status_code == 200
        r = await good.post("/v1/targets/platform/maintenance/enter", json={"reason": "fix"})
        assert r.status_code == 200
        assert (await ci.get("/admin/maintenance/status")).json()["maintenanceMode"] is True
        assert (await bad.get("/v1/targets")).status_code == 429  # still blocked for guesses


@pytest.mark.usefixtures("frozen")
async def test_an_operator_token_as_x_admin_code_is_forbidden_not_a_failed_attempt(app,
                                                                                   secrets):
    async with client_for(app, **{"x-admin-code": secrets["operator"]}) as c:
        for _ in range(6):
            r = await c.get("/admin/maintenance/status")
            assert r.status_code == 403
            assert r.headers["content-type"] == "application/problem+json"
            assert r.json()["role"] == "operator"
    async with client_for(app, "pst_guess") as bad:
        assert (await bad.get("/v1/targets")).status_code == 401  # the address is not blocked
