"""Tokens: shown once, stored hashed, revocable, never the last admin."""

from __future__ import annotations

from sqlalchemy import select

from pitstop.services.tokens import hash_token
from pitstop.storage.tables import tokens
from tests.conftest import client_for


async def test_created_token_is_shown_once_and_works(app, admin, rt):
    r = await admin.post("/v1/tokens", json={"name": "ci", "role": "operator"})
    assert r.status_code == 201
    secret = r.json()["token"]
    assert secret.startswith("pst_")
    listed = (await admin.get("/v1/tokens")).json()["items"]
    assert all("token" not in t and "hash" not in t for t in listed)
    async with rt.db.read() as conn:
        stored = (await conn.execute(select(tokens.c.hash).where(tokens.c.name == "ci"))).one()
    assert stored.hash == hash_token(secret) and secret not in stored.hash
    async with client_for(app, secret) as ci:
        r = await ci.post("/v1/targets/platform/maintenance/enter", json={"reason": "deploy"})
        assert r.status_code == 200
        assert r.json()["target"]["causes"][0]["actor"] == "ci"


async def test_revoked_token_stops_working_and_is_audited(app, admin):
    created = (await admin.post("/v1/tokens", json={"name": "tmp", "role": "viewer"})).json()
    assert (await admin.delete(f"/v1/tokens/{created['id']}")).status_code == 204
    async with client_for(app, created["token"]) as c:
        assert (await c.get("/v1/targets")).status_code == 401
    actions = [r["action"] for r in (await admin.get("/v1/history")).json()["items"]]
    assert actions[:2] == ["token.revoked", "token.created"]


async def test_duplicate_name_is_409_and_bad_role_422(admin):
    await admin.post("/v1/tokens", json={"name": "ci", "role": "operator"})
    r = await admin.post("/v1/tokens", json={"name": "ci", "role": "viewer"})
    assert r.status_code == 409
    r = await admin.post("/v1/tokens", json={"name": "x", "role": "root"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "role"


async def test_the_last_admin_token_cannot_be_revoked(admin):
    items = (await admin.get("/v1/tokens")).json()["items"]
    only_admin = next(t for t in items if t["role"] == "admin")
    r = await admin.delete(f"/v1/tokens/{only_admin['id']}")
    assert r.status_code == 409
    assert "last admin" in r.json()["detail"]
