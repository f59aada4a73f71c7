"""/api/v2/*.json answer in Atlassian Statuspage's documented shape: the same keys, value types
and enum values at every level as the examples written from its public documentation
(tests/api/fixtures/statuspage/), for an operational page, upcoming, in-progress and completed
maintenance, and a service that is down during maintenance (which shows what the status page
shows)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis

from pitstop import clock
from pitstop.scheduler.loop import run_once

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

FIXTURES = Path(__file__).parent / "fixtures" / "statuspage"
ENDPOINTS = {  # path -> the documented example it must look like
    "/api/v2/summary.json": "summary.json",
    "/api/v2/status.json": "status.json",
    "/api/v2/components.json": "components.json",
    "/api/v2/scheduled-maintenances.json": "scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json": "scheduled-maintenances-upcoming.json",
    "/api/v2/scheduled-maintenances/active.json": "scheduled-maintenances-active.json",
}
# The enums Statuspage documents, by the key that holds them (the parent disambiguates).
ENUMS = {
    ("components", "status"): {"operational", "degraded_performance", "partial_outage",
                               "major_outage", "under_maintenance"},
    ("scheduled_maintenances", "status"): {"scheduled", "in_progress", "verifying", "completed"},
    ("incident_updates", "status"): {"scheduled", "in_progress", "verifying", "completed"},
    ("status", "indicator"): {"none", "minor", "major", "critical", "maintenance"},
    ("scheduled_maintenances", "impact"): {"none", "minor", "major", "critical", "maintenance"},
}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _documented(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _nullable() -> set[str]:
    """Keys the documentation shows as null somewhere (a time not reached yet, an unset
    description): pitstop may answer null there too."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                found.add(k) if v is None else walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    for name in ENDPOINTS.values():
        walk(_documented(name))
    return found


NULLABLE = _nullable()


def assert_shape(ours: Any, doc: Any, path: tuple[str, ...] = ()) -> None:
    where = "/".join(path) or "(top)"
    key = path[-1] if path else ""
    if doc is None:  # documented as null: when pitstop has a value it is a string
        assert ours is None or isinstance(ours, str), where
        return
    if ours is None:
        assert key in NULLABLE, f"{where} is null, the documentation never shows it null"
        return
    if isinstance(doc, dict):
        assert isinstance(ours, dict), where
        assert set(ours) == set(doc), f"{where}: extra {set(ours) - set(doc)}, " \
                                      f"missing {set(doc) - set(ours)}"
        for k in doc:
            assert_shape(ours[k], doc[k], (*path, k))
    elif isinstance(doc, list):
        assert isinstance(ours, list), where
        if not doc:
            assert ours == [], where  # incidents: documented empty, pitstop has none
        for item in ours:
            assert_shape(item, doc[0], path)
    elif isinstance(doc, bool):
        assert isinstance(ours, bool), where
    elif isinstance(doc, int):
        assert isinstance(ours, int) and not isinstance(ours, bool), where
    else:
        assert isinstance(ours, str), where
        if TIME.match(doc):
            assert TIME.match(ours), f"{where}: {ours!r} is not an ISO 8601 time"
            datetime.fromisoformat(ours)
        enum = next((v for (parent, k), v in ENUMS.items() if k == key and parent in path),
                    None)
        if enum is not None:
            assert ours in enum, f"{where}: {ours!r} not in {sorted(enum)}"


async def _all_shapes(anon) -> dict[str, Any]:
    """Every endpoint's answer, checked against Statuspage's documented example and against
    pitstop's own OpenAPI document (the routes encode their answers themselves)."""
    schema = schemathesis.openapi.from_dict((await anon.get("/openapi.json")).json())
    answers = {}
    for path, name in ENDPOINTS.items():
        r = await anon.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].startswith("application/json")
        assert_shape(r.json(), _documented(name))
        schema[path]["GET"].validate_response(r)
        answers[path] = r.json()
    return answers


async def _window(operator, title: str, start: str, *, duration: str = "PT1H",
                  affects: list[dict[str, str]] | None = None, **more: Any) -> int:
    r = await operator.post("/v1/windows", json={
        "title": title, "start": start, "timezone": "UTC", "duration": duration,
        "affects": affects or [{"selector": "service:api"}], **more})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def _services(operator, **statuses: str) -> None:
    for name, status in statuses.items():
        r = await operator.put(f"/v1/services/{name}/status", json={"status": status})
        assert r.status_code == 200, r.text


async def test_an_operational_page_has_the_documented_shape(rt, operator, anon):
    await _services(operator, api="UP", web="UP")
    answers = await _all_shapes(anon)
    summary = answers["/api/v2/summary.json"]
    assert summary["status"] == {"indicator": "none", "description": "All systems operational"}
    assert [(c["id"], c["name"], c["status"], c["position"]) for c in summary["components"]] \
        == [("service:api", "api", "operational", 1), ("service:web", "web", "operational", 2)]
    assert summary["incidents"] == [] and summary["scheduled_maintenances"] == []
    assert summary["page"]["id"] == "pitstop" and summary["page"]["time_zone"] == "Etc/UTC"
    assert summary["page"]["updated_at"] == "2026-03-01T12:00:00Z"


async def test_an_upcoming_window_is_scheduled(rt, operator, anon):
    await _services(operator, api="UP", web="UP")
    wid = await _window(operator, "Database upgrade", "2026-03-01T14:00:00",
                        description="Reads stay available.")
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    (m,) = answers["/api/v2/scheduled-maintenances/upcoming.json"]["scheduled_maintenances"]
    assert answers["/api/v2/scheduled-maintenances/active.json"][
        "scheduled_maintenances"] == []
    assert m["name"] == "Database upgrade" and m["status"] == "scheduled"
    assert m["id"].startswith("occ-") and m["impact"] == "maintenance"
    assert (m["scheduled_for"], m["scheduled_until"]) == ("2026-03-01T14:00:00Z",
                                                          "2026-03-01T15:00:00Z")
    assert [(u["status"], u["body"]) for u in m["incident_updates"]] == [
        ("scheduled", "Reads stay available.")]
    assert [c["name"] for c in m["components"]] == ["api"]
    assert answers["/api/v2/summary.json"]["scheduled_maintenances"] == [m]
    again = (await anon.get("/api/v2/scheduled-maintenances/upcoming.json")).json()
    assert again["scheduled_maintenances"][0]["id"] == m["id"]  # ids are stable
    assert wid in {o.times.window_id for o in rt.state.occurrences.values()}


async def test_an_in_progress_window_then_completed(rt, operator, anon):
    await _services(operator, api="UP", web="UP")
    await _window(operator, "Kernel patch", "2026-03-01T11:30:00")
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    (m,) = answers["/api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]
    assert m["status"] == "in_progress" and m["resolved_at"] is None
    assert [u["status"] for u in m["incident_updates"]] == ["in_progress", "scheduled"]
    summary = answers["/api/v2/summary.json"]
    assert summary["status"] == {"indicator": "maintenance",
                                 "description": "Maintenance in progress"}
    assert {c["name"]: c["status"] for c in summary["components"]} == {
        "api": "under_maintenance", "web": "operational"}
    assert summary["scheduled_maintenances"] == [m]

    clock.advance(timedelta(hours=1))
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    (done,) = answers["/api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    assert done["id"] == m["id"] and done["status"] == "completed"
    assert done["resolved_at"] == "2026-03-01T12:30:00Z"
    assert [(u["status"], u["created_at"]) for u in done["incident_updates"]] == [
        ("completed", "2026-03-01T12:30:00Z"), ("in_progress", "2026-03-01T11:30:00Z"),
        ("scheduled", "2026-03-01T11:30:00Z")]
    assert answers["/api/v2/scheduled-maintenances/active.json"][
        "scheduled_maintenances"] == []
    assert answers["/api/v2/summary.json"]["status"]["indicator"] == "none"


async def test_a_component_changes_when_a_window_starts_over_it(rt, operator, anon):
    await _services(operator, api="UP")
    await _window(operator, "Index rebuild", "2026-03-01T12:30:00")
    clock.advance(timedelta(minutes=45))
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    (api,) = answers["/api/v2/components.json"]["components"]
    assert api["status"] == "under_maintenance"
    assert (api["created_at"], api["updated_at"]) == ("2026-03-01T12:00:00Z",
                                                      "2026-03-01T12:30:00Z")
    assert answers["/api/v2/components.json"]["page"]["updated_at"] >= "2026-03-01T12:30:00Z"


async def test_a_cancelled_occurrence_is_completed_with_a_cancellation(rt, operator, anon):
    await _window(operator, "Disk swap", "2026-03-01T13:00:00")
    await run_once(rt, full=True)
    (occ,) = rt.state.occurrences.values()
    r = await operator.patch(f"/v1/windows/{occ.times.window_id}/occurrences/{occ.id}",
                             json={"status": "CANCELLED"})
    assert r.status_code == 200, r.text
    clock.advance(timedelta(hours=2))
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    (m,) = answers["/api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    assert m["status"] == "completed" and m["resolved_at"] == "2026-03-01T12:00:00Z"
    assert [(u["status"], u["body"]) for u in m["incident_updates"]] == [
        ("completed", "This scheduled maintenance has been cancelled."),
        ("scheduled", "Disk swap is scheduled.")]


async def test_a_service_down_during_maintenance_shows_what_the_page_shows(rt, operator, anon):
    await _services(operator, api="DOWN", web="UP")
    await _window(operator, "Failover drill", "2026-03-01T11:00:00", duration="PT2H")
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    html = (await anon.get("/")).text
    shown = re.search(r'data-testid="service-api">.*?badge status-(\w+)', html, re.S)
    assert shown and shown.group(1) == "maintenance"  # the page: maintenance, realtime down
    components = {c["name"]: c["status"] for c in
                  answers["/api/v2/components.json"]["components"]}
    assert components == {"api": "under_maintenance", "web": "operational"}
    assert 'banner banner-maintenance' in html
    assert answers["/api/v2/status.json"]["status"]["indicator"] == "maintenance"
    (m,) = answers["/api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]
    assert m["components"][0]["status"] == "under_maintenance"


async def test_a_down_service_without_maintenance_is_a_major_outage(rt, operator, anon):
    await _services(operator, api="DOWN", web="DEGRADED")
    answers = await _all_shapes(anon)
    assert {c["name"]: c["status"] for c in answers["/api/v2/components.json"][
        "components"]} == {"api": "major_outage", "web": "degraded_performance"}
    assert answers["/api/v2/status.json"]["status"] == {"indicator": "major",
                                                        "description": "Partial outage"}


async def test_only_public_data_is_answered(rt, operator, anon):
    await _services(operator, api="UP")
    await _window(operator, "Secret migration", "2026-03-01T11:30:00", public=False)
    r = await operator.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "internal: ticket OPS-1234", "public_message": "Upgrading the platform"})
    assert r.status_code == 200, r.text
    await run_once(rt, full=True)
    answers = await _all_shapes(anon)
    text = json.dumps(answers)
    assert "OPS-1234" not in text and "Secret migration" not in text
    (m,) = answers["/api/v2/scheduled-maintenances/active.json"]["scheduled_maintenances"]
    assert m["name"] == "Upgrading the platform" and m["status"] == "in_progress"
    assert m["id"] == "switch-platform-" + str(int(clock.now().timestamp()))
    assert [c["name"] for c in m["components"]] == ["api"]
    assert m["scheduled_until"] == "2026-03-01T12:00:00Z"  # no end set: now


async def test_operators_updates_are_incident_updates(rt, operator, anon):
    await _services(operator, api="UP", web="UP")
    wid = await _window(operator, "Kernel patch", "2026-03-01T11:30:00")
    await run_once(rt, full=True)
    oid = next(o.times.id for o in rt.state.occurrences.values()
               if o.times.window_id == wid)
    posted = await operator.post(f"/v1/windows/{wid}/occurrences/{oid}/updates",
                                 json={"body": "Half the nodes are patched."})
    assert posted.status_code == 201, posted.text
    await operator.post("/v1/targets/service:web/maintenance/enter",
                        json={"reason": "disk swap", "public_message": "Web is read-only."})
    clock.advance(60)
    assert (await operator.post("/v1/targets/service:web/maintenance/updates", json={
        "body": "Checking the new disks.", "status": "verifying"})).status_code == 201
    answers = await _all_shapes(anon)
    active = {m["name"]: m for m in answers["/api/v2/scheduled-maintenances/active.json"][
        "scheduled_maintenances"]}
    patch = active["Kernel patch"]
    assert [(u["status"], u["body"]) for u in patch["incident_updates"]][:2] == [
        ("in_progress", "Half the nodes are patched."),
        ("in_progress", "Scheduled maintenance is currently in progress. We will provide "
                        "updates as necessary.")]
    assert patch["incident_updates"][0]["id"].startswith(patch["id"] + "-update-")
    web = active["Web is read-only."]
    assert web["status"] == "verifying"  # the newest update's phase, as Statuspage shows it
    assert web["incident_updates"][0]["body"] == "Checking the new disks."
    assert "disk swap" not in str(answers)


async def test_an_ended_switch_maintenance_is_completed_under_the_same_id(rt, operator, anon):
    await _services(operator, api="UP")
    await operator.post("/v1/targets/service:api/maintenance/enter",
                        json={"reason": "disk swap", "public_message": "API read-only."})
    clock.advance(timedelta(minutes=40))
    active = (await _all_shapes(anon))["/api/v2/scheduled-maintenances/active.json"]
    (on,) = active["scheduled_maintenances"]
    await operator.post("/v1/targets/service:api/maintenance/exit", json={"reason": "done"})
    clock.advance(60)
    answers = await _all_shapes(anon)
    (done,) = answers["/api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    assert done["id"] == on["id"] and done["name"] == "API read-only."
    assert done["status"] == "completed" and done["resolved_at"] == "2026-03-01T12:40:00Z"
    assert (done["scheduled_for"], done["scheduled_until"]) == ("2026-03-01T12:00:00Z",
                                                                "2026-03-01T12:40:00Z")
    assert [u["status"] for u in done["incident_updates"]] == ["completed", "in_progress"]
    assert [c["name"] for c in done["components"]] == ["api"]
    assert answers["/api/v2/scheduled-maintenances/active.json"][
        "scheduled_maintenances"] == []
    assert "disk swap" not in str(answers)


async def test_an_ended_switch_maintenance_keeps_its_operators_updates(rt, operator, anon):
    await _services(operator, api="UP")
    await operator.post("/v1/targets/service:api/maintenance/enter",
                        json={"reason": "disk swap", "public_message": "API read-only."})
    clock.advance(timedelta(minutes=10))
    assert (await operator.post("/v1/targets/service:api/maintenance/updates", json={
        "body": "New disks are in; copying data."})).status_code == 201
    clock.advance(timedelta(minutes=10))
    await operator.post("/v1/targets/service:api/maintenance/exit", json={"reason": "done"})
    clock.advance(timedelta(minutes=5))  # a later maintenance's update is not this one's
    await operator.post("/v1/targets/service:api/maintenance/enter", json={"reason": "again"})
    await operator.post("/v1/targets/service:api/maintenance/updates",
                        json={"body": "Second round."})
    answers = await _all_shapes(anon)
    every = answers["/api/v2/scheduled-maintenances.json"]["scheduled_maintenances"]
    done = next(m for m in every if m["status"] == "completed")
    assert [(u["status"], u["body"]) for u in done["incident_updates"]] == [
        ("completed", "The scheduled maintenance has been completed."),
        ("in_progress", "New disks are in; copying data."),
        ("in_progress", "API read-only.")]
    assert done["incident_updates"][1]["id"].startswith(done["id"] + "-update-")
    assert done["incident_updates"][1]["created_at"] == "2026-03-01T12:10:00Z"
    assert "Second round." not in json.dumps(done)
