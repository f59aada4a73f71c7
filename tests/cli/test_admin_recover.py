"""``pitstop admin recover``: on the server's host, against its database, a new admin token
when every admin secret is lost; the running server accepts it without a restart, and a
stale secret sent in a loop is still blocked by the failure limiter."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from tests.live import LiveServer


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_recovered_admin_token_works_on_the_running_server(database_url: str,
                                                             tmp_path: Path):
    server = LiveServer(tmp_path, database_url, PITSTOP_AUTH_FAILURES_PER_MINUTE="3")
    server.token = None  # type: ignore[assignment]  # the first admin secret: printed, lost
    server.start()
    try:
        db = {"PITSTOP_DATABASE_URL": database_url}
        no_reason = server.cli("admin", "recover", **db)
        assert no_reason.returncode != 0 and "--reason" in no_reason.stderr
        blank = server.cli("admin", "recover", "--reason", "  ", **db)
        assert blank.returncode == 1 and "reason must not be empty" in blank.stderr

        done = server.cli("admin", "recover", "--reason", "the admin token left with Bob",
                          **db)
        assert done.returncode == 0, done.stderr
        secret = next(w for w in done.stdout.split() if w.startswith("pst_"))
        actor = f"recover@{socket.gethostname()}"

        with httpx.Client(base_url=server.url, headers=_bearer(secret)) as http:
            tokens = http.get("/v1/tokens").raise_for_status().json()["items"]
            recovered = [t for t in tokens if t["created_by"] == actor]
            assert [t["role"] for t in recovered] == ["admin"]
            history = http.get("/v1/history", params={"actor": actor}).json()["items"]
            assert [(h["action"], h["reason"]) for h in history] == [
                ("token.created", "the admin token left with Bob")]
            # the lost one can now be revoked: the recovered token is a full admin
            lost = next(t for t in tokens if t["name"] == "admin")
            assert http.delete(f"/v1/tokens/{lost['id']}").status_code == 204

        stale = [httpx.get(f"{server.url}/v1/tokens", headers=_bearer("pst_stale-ci-secret"))
                 .status_code for _ in range(4)]
        assert stale == [401, 401, 401, 429]
        # a known token is still served from the blocked address
        assert httpx.get(f"{server.url}/v1/tokens", headers=_bearer(secret)).status_code == 200
    finally:
        server.stop()


def test_recover_against_an_empty_database_says_to_upgrade_first(tmp_path: Path):
    server = LiveServer(tmp_path)
    r = server.cli("admin", "recover", "--reason", "lost",
                   PITSTOP_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    assert r.returncode == 1 and "pitstop db upgrade" in r.stderr
