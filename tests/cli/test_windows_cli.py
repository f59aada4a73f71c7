"""``pitstop windows``, ``occurrences`` and ``preview`` against a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta


def _future(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT09:00")


def test_create_list_show_edit_pause_resume_delete(live):
    r = live.cli("windows", "create", "--title", "DB patch", "--start", _future(2), "--tz",
                 "Europe/Berlin", "--duration", "2h", "--rrule", "FREQ=DAILY",
                 "--affects", "region=eu,tier=db:DEGRADED", "--affects", "service:api",
                 "--reminder", "1d", "--json")
    assert r.returncode == 0, r.stderr
    window = json.loads(r.stdout)
    assert window["affects"] == [
        {"selector": {"labels": {"region": "eu", "tier": "db"}}, "impact": "DEGRADED"},
        {"selector": "service:api", "impact": "MAINTENANCE"}]
    assert window["duration"] == "PT2H" and window["reminders"] == ["P1D"]
    wid = str(window["id"])

    listed = live.cli("windows", "list")
    assert "DB patch" in listed.stdout and "FREQ=DAILY" in listed.stdout
    shown = live.cli("windows", "show", wid)
    assert "Europe/Berlin" in shown.stdout and ("CET" in shown.stdout or "CEST" in shown.stdout)

    edited = json.loads(live.cli("windows", "edit", wid, "--duration", "90m", "--json").stdout)
    assert edited["duration"] == "PT1H30M"
    assert "paused" in live.cli("windows", "pause", wid).stdout
    assert json.loads(live.cli("windows", "show", wid, "--json").stdout)["status"] == "PAUSED"
    live.cli("windows", "resume", wid)
    assert json.loads(live.cli("windows", "show", wid, "--json").stdout)["status"] == "ACTIVE"
    assert live.cli("windows", "delete", wid).returncode == 0
    gone = live.cli("windows", "show", wid)
    assert gone.returncode == 1 and "does not exist" in gone.stderr


def test_a_window_of_seconds_shows_its_seconds(live):
    start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT09:00:20")
    r = live.cli("windows", "create", "--title", "failover drill", "--start", start, "--tz",
                 "UTC", "--duration", "45s", "--affects", "service:api", "--json")
    assert r.returncode == 0, r.stderr
    shown = live.cli("windows", "show", str(json.loads(r.stdout)["id"])).stdout
    assert "09:00:20 UTC" in shown and "09:01:05 UTC" in shown  # not "09:00 – 09:01"


def test_occurrences_cancel_move_delete_and_refused_complete(live):
    r = live.cli("windows", "create", "--title", "nightly", "--start", _future(1), "--tz",
                 "UTC", "--duration", "30m", "--rrule", "FREQ=DAILY", "--affects", "platform",
                 "--json")
    window = json.loads(r.stdout)
    wid = str(window["id"])
    first, second, third = (str(o["id"]) for o in window["occurrences"][:3])
    cancelled = json.loads(live.cli("occurrences", "cancel", wid, first, "--json").stdout)
    assert cancelled["status"] == "CANCELLED"
    moved = live.cli("occurrences", "move", wid, second, "--start", _future(10),
                     "--end", _future(10).replace("T09:00", "T10:00"))
    assert moved.returncode == 0, moved.stderr
    assert "moved" in moved.stdout
    assert live.cli("occurrences", "delete", wid, third).returncode == 0
    refused = live.cli("occurrences", "complete", wid, second)
    assert refused.returncode == 1
    assert "SCHEDULED cannot become COMPLETED" in refused.stderr
    listed = json.loads(live.cli("occurrences", "list", wid, "--json").stdout)["items"]
    assert int(third) not in [o["id"] for o in listed]
    assert "projected" in live.cli("occurrences", "list", wid, "--to",
                                   (datetime.now(UTC) + timedelta(days=20)).isoformat(),
                                   "--projected").stdout


def test_preview_shows_local_times_across_dst_and_saves_nothing(live):
    r = live.cli("preview", "--start", "2027-03-28T02:30", "--tz", "Europe/Berlin",
                 "--duration", "1h", "--rrule", "FREQ=WEEKLY;BYDAY=SU", "--count", "2")
    assert r.returncode == 0, r.stderr
    assert "2027-03-28 03:30 CEST" in r.stdout and "2027-04-04 02:30 CEST" in r.stdout
    data = json.loads(live.cli("preview", "--start", "2027-03-28T02:30", "--tz",
                               "Europe/Berlin", "--duration", "PT1H", "--json").stdout)
    assert data["recurring"] is False and len(data["occurrences"]) == 1
    assert json.loads(live.cli("windows", "list", "--json").stdout)["items"] == []


def test_bad_input_is_one_line_naming_the_problem(live):
    r = live.cli("windows", "create", "--title", "x", "--start", _future(1), "--tz",
                 "Mars/Olympus", "--duration", "1h", "--affects", "platform")
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "unknown time zone" in r.stderr
    r = live.cli("windows", "create", "--title", "x")
    assert r.returncode == 1 and "--start, --tz, --duration, --affects" in r.stderr
    r = live.cli("preview", "--start", "2027-01-01T00:00", "--tz", "UTC", "--duration", "1h",
                 "--rrule", "FREQ=SOMETIMES")
    assert r.returncode == 1 and "invalid rrule" in r.stderr
    assert json.loads(live.cli("windows", "list", "--json").stdout)["items"] == []


def test_piped_rows_are_whole_lines(live):
    """Into a pipe (the test's subprocess), a long row is one line, never cut or wrapped."""
    title = "Rolling kernel upgrade of every database node in the eu and us regions, one by one"
    r = live.cli("windows", "create", "--title", title, "--start", _future(2), "--tz", "UTC",
                 "--duration", "1h", "--affects", "service:api")
    assert r.returncode == 0, r.stderr
    rows = live.cli("windows", "list").stdout.splitlines()
    assert len(rows) == 2
    assert title in rows[1] and rows[1].rstrip().endswith("service:api")
