"""The console's session and CSRF protection, over HTTP."""

from __future__ import annotations

import re

import pytest

from tests.conftest import client_for


async def _login(app, secret: str):  # type: ignore[no-untyped-def]
    client = client_for(app)
    form = (await client.get("/console/login")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    r = await client.post("/console/login", data={"token": secret, "csrf": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/console"
    page = (await client.get("/console")).text
    return client, re.search(r'name="csrf-token" content="([^"]+)"', page).group(1), r


async def test_the_session_cookie_is_signed_httponly_and_strict(app, secrets):
    client, _, response = await _login(app, secrets["operator"])
    cookie = response.headers["set-cookie"]
    assert "pitstop_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert secrets["operator"] not in cookie  # the token itself never travels in it
    await client.aclose()


ENTER = "/v1/targets/platform/maintenance/enter"


async def test_actions_need_the_sessions_csrf_token_and_the_role(app, secrets):
    client, csrf, _ = await _login(app, secrets["operator"])
    body = {"reason": "db"}
    assert (await client.post(ENTER, json=body)).status_code == 403
    r = await client.post(ENTER, json=body, headers={"X-CSRF-Token": "x"})
    assert r.status_code == 403 and "reload" in r.json()["detail"]
    r = await client.post(ENTER, json={**body, "reason": " "},
                          headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    r = await client.post(ENTER, json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    viewer, viewer_csrf, _ = await _login(app, secrets["viewer"])
    r = await viewer.post(ENTER, json=body,
                          headers={"X-CSRF-Token": viewer_csrf})
    assert r.status_code == 403 and "operator" in r.json()["detail"]
    for c in (client, viewer):
        await c.aclose()


async def test_a_login_form_post_without_its_csrf_cookie_is_refused(app, secrets):
    async with client_for(app) as client:
        r = await client.post("/console/login", data={"token": secrets["admin"], "csrf": "x"})
        assert r.status_code == 403 and "reload the page" in r.text
        assert "pitstop_session" not in r.headers.get("set-cookie", "")


async def test_revoking_the_token_ends_its_sessions(app, secrets, admin):
    created = (await admin.post("/v1/tokens", json={"name": "temp", "role": "viewer"})).json()
    client, _, _ = await _login(app, created["token"])
    assert (await client.get("/console")).status_code == 200
    assert (await admin.delete(f"/v1/tokens/{created['id']}")).status_code == 204
    r = await client.get("/console")
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    await client.aclose()


async def test_agent_and_worker_tokens_cannot_use_the_console(app, secrets, admin):
    r = await admin.post("/v1/nodes", json={"name": "edge-1"})
    agent = r.json()["token"]
    for secret in (agent, secrets["worker"]):
        client = client_for(app)
        form = (await client.get("/console/login")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        r = await client.post("/console/login", data={"token": secret, "csrf": csrf})
        assert r.status_code == 403 and "the console is for people" in r.text
        assert (await client.get("/console/fleet")).status_code == 303
        await client.aclose()


@pytest.mark.usefixtures("frozen")
async def test_signing_in_with_a_valid_token_works_after_failed_attempts(app, secrets):
    async with client_for(app) as client:
        form = (await client.get("/console/login")).text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        for _ in range(5):
            r = await client.post("/console/login", data={"token": "pst_typo", "csrf": csrf})
            assert r.status_code == 401
            csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        r = await client.post("/console/login", data={"token": "pst_typo", "csrf": csrf})
        assert r.status_code == 429 and r.headers["retry-after"] == "300"
        csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
        r = await client.post("/console/login", data={"token": secrets["operator"],
                                                      "csrf": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/console"
        assert (await client.get("/console")).status_code == 200
