"""examples/fleet_agent end to end, with real processes: the README's command runs three
agents and a weekly window selected by label. The server's own records then show the window
matching exactly one node, its first occurrence started and completed on its boundaries, and
the next one scheduled a week later at the same local time."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tests.examples.readme import run_readme_command
from tests.live import alive

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _local(occurrence: dict) -> datetime:
    return datetime.fromisoformat(occurrence["start_local"]).replace(tzinfo=None)


def _at(entries: list[dict], action: str) -> datetime:
    return next(datetime.fromisoformat(e["at"]) for e in entries if e["action"] == action)


def test_a_weekly_window_selected_by_label_stops_only_that_nodes_workloads(live):
    done = run_readme_command(live, "fleet_agent")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "--rrule 'FREQ=WEEKLY;BYDAY=" in out and "--affects fleet=demo,rack=b:MAINTENANCE" in out
    assert "selects only edge-3" in out
    assert ("demo: the occurrence is ONGOING: edge-3's agent stopped its workloads; edge-3 is "
            "in maintenance because of window 1 (occurrence 1)") in out
    assert "workloads [], poll_interval_s and log_level kept" in out
    assert "edge-3 runs shipper, metrics again" in out
    assert "edge-1 and edge-2 were never restarted" in out
    assert "a week later" in out and "demo: ok: every step held" in out
    pids = [int(p) for group in re.findall(r"pids \[([\d, ]+)\]", out)
            for p in group.split(", ")]
    assert len(pids) >= 8 and not [p for p in pids if alive(p)]  # the agents stopped them

    with live.client() as http:  # what the server recorded, read independently
        [window] = http.get("/v1/windows").json()["items"]
        assert window["affects"] == [{"selector": {"labels": {"fleet": "demo", "rack": "b"}},
                                      "impact": "MAINTENANCE"}]
        first, second = http.get(f"/v1/windows/{window['id']}/occurrences").json()["items"]
        assert (first["status"], second["status"]) == ("COMPLETED", "SCHEDULED")
        assert window["rrule"] == f"FREQ=WEEKLY;BYDAY={DAYS[_local(first).weekday()]}"
        assert _local(second) - _local(first) == timedelta(days=7)
        start, end = (datetime.fromisoformat(first[k]) for k in ("start", "end"))
        assert end - start == timedelta(seconds=8)  # it ran its full length

        entries = http.get("/v1/history", params={"target": f"window:{window['id']}"}
                           ).json()["items"]
        assert abs(_at(entries, "occurrence.ongoing") - start) < timedelta(seconds=1)
        assert abs(_at(entries, "occurrence.completed") - end) < timedelta(seconds=1)

        def affecting(node: str) -> list[int]:
            items = http.get("/v1/occurrences", params={"target": f"node:{node}"}).json()
            return [o["id"] for o in items["items"]]

        assert affecting("edge-3") == [first["id"], second["id"]]
        assert affecting("edge-1") == affecting("edge-2") == []
        nodes = {n["name"]: n for n in http.get("/v1/nodes").json()["items"]}
        assert sorted(nodes) == ["edge-1", "edge-2", "edge-3"]
        assert not any(n["in_maintenance"] for n in nodes.values())
        assert nodes["edge-3"]["config"]["workloads"]  # the desired config was never changed
