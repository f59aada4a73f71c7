"""examples/status_page end to end, with real processes: the README's command runs two
services, the monitor, and a daily window on web made with the CLI, stopping web while the
window runs. The server's own records then show what a visitor saw: web down only inside its
window, the page operational again, the occurrence completed and the next one a day later."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from tests.examples.readme import run_readme_command


def _status_changes(http: httpx.Client, target: str) -> list[tuple[datetime, str]]:
    """(at, new realtime status) for each change the monitor reported, oldest first."""
    items = http.get("/v1/history", params={"target": target, "action":
                                            "service.status_changed"}).json()["items"]
    return sorted((datetime.fromisoformat(i["at"]), i["details"]["after"]) for i in items)


def test_a_window_shows_maintenance_with_the_realtime_status_beside_it(live):
    done = run_readme_command(live, "status_page")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "--rrule FREQ=DAILY --affects service:web:MAINTENANCE" in out
    assert ("demo: web is Down: the page shows it in Maintenance with realtime: Down beside "
            'it, api Up, and "Maintenance in progress" with \'Web deploy\'') in out
    assert "demo: web is started again before the window ends: Maintenance, realtime: Up" in out
    assert 'demo: the occurrence COMPLETED: "All systems operational", web Up' in out
    assert ('window ongoing, web stopped  "Maintenance in progress"; api Up; '
            "web Maintenance realtime: Down; ongoing: Web deploy") in out
    assert "a day later" in out and "demo: ok: every step held" in out

    page = httpx.get(live.url + "/", timeout=10).text  # the public page, no auth
    assert "All systems operational" in page and "realtime: Down" not in page
    with live.client() as http:  # what the server recorded, read independently
        web = http.get("/v1/services/web").json()
        assert web["realtime"]["status"] == "UP" and web["displayed"] == "UP"
        assert web["impacts"] == []
        [window] = http.get("/v1/windows").json()["items"]
        assert (window["title"], window["rrule"]) == ("Web deploy", "FREQ=DAILY")
        assert window["affects"] == [{"selector": "service:web", "impact": "MAINTENANCE"}]
        first, second = http.get(f"/v1/windows/{window['id']}/occurrences").json()["items"][:2]
        assert (first["status"], second["status"]) == ("COMPLETED", "SCHEDULED")
        start, end = (datetime.fromisoformat(first[k]) for k in ("start", "end"))
        assert end - start == timedelta(seconds=10)  # it ran its full length
        assert datetime.fromisoformat(second["start"]) - start == timedelta(days=1)

        changes = _status_changes(http, "service:web")
        assert [status for _, status in changes] == ["UP", "DOWN", "UP"]
        assert start < changes[1][0] < changes[2][0] < end  # down and back inside the window
        assert [status for _, status in _status_changes(http, "service:api")] == ["UP"]
