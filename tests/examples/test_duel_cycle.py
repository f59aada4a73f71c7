"""examples/duel_cycle end to end, with real processes: the README's command deploys the
scheduler with ``pitstop deploy`` during a fight. The server's own records then show no
cycle lease granted between the enter and the exit."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from tests.examples.readme import run_readme_command


def _switches(live) -> tuple[datetime, datetime]:
    """When the server recorded the enter and the exit (its audit history)."""
    with live.client() as http:
        items = http.get("/v1/history", params={"target": "service:duel"}).json()["items"]
    at = {i["action"]: datetime.fromisoformat(i["at"]) for i in items}
    return at["maintenance.entered"], at["maintenance.exited"]


def _cycles(live) -> list[tuple[datetime, datetime | None]]:
    """Every cycle lease the server granted, (acquired, ended), from its database: ended
    leases are kept there, and the API lists only those in flight."""
    path = live.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT acquired_at, ended_at FROM leases WHERE target = "
                          "'service:duel' AND kind = 'cycle' ORDER BY acquired_at").fetchall()

    def parse(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None

    return [(parse(acquired), parse(ended)) for acquired, ended in rows]


def test_no_cycle_starts_between_the_enter_and_the_exit(live):
    done = run_readme_command(live, "duel_cycle")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "service:duel entered maintenance" in out
    assert "phase fighting" in out and "safe to deploy" in out
    assert "stopped scheduler" in out and "service:duel left maintenance" in out
    assert "the next one, asked for" in out and "was held" in out
    assert "demo: ok: every step held" in out

    entered, exited = _switches(live)
    cycles = _cycles(live)
    before = [c for c in cycles if c[0] < entered]
    assert before, "no cycle was in flight at the enter"
    fight = before[-1]  # in flight at the enter; it finished before the exit
    assert fight[1] is not None and entered < fight[1] < exited
    assert not [c for c in cycles if entered <= c[0] <= exited]  # nothing granted meanwhile
    assert [c for c in cycles if c[0] > exited]  # cycles resume after the exit
