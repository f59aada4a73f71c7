"""/health answers from memory (load balancers poll it), with the database check's last
result; /health/ready probes the database at most about once a second; /health/live needs
nothing."""

from __future__ import annotations

from sqlalchemy import event

PROBE = "FROM targets WHERE id = 'platform'"


def _count_probes(rt) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if PROBE in statement:
            seen.append(statement)

    event.listen(rt.db.engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_health_shows_the_database_check_without_querying_the_database(rt, anon):
    probes = _count_probes(rt)
    for _ in range(20):
        r = await anon.get("/health")
        assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["maintenanceMode"] is False
    assert body["checks"]["database"]["status"] == "ok"
    assert "stale" not in body and "warning" not in r.headers
    assert len(probes) <= 1  # the background probe's, if it came round meanwhile


async def test_ready_probes_the_database_at_most_about_once_a_second(rt, anon):
    probes = _count_probes(rt)
    for _ in range(20):
        r = await anon.get("/health/ready")
        assert r.status_code == 200
    assert r.json()["status"] == "ready"
    assert r.json()["checks"]["database"]["latency_ms"] is not None
    assert 1 <= len(probes) <= 3


async def test_live_answers_whatever_the_database_does(anon):
    r = await anon.get("/health/live")
    assert r.status_code == 200 and r.json() == {"status": "ok"}
