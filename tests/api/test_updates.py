"""Updates during a maintenance over HTTP: posted by operators to an upcoming or ongoing
occurrence or to a target's switch maintenance, listed newest first, refused once the
maintenance is over, rendered safely, shown on the public page, and in the history."""

from __future__ import annotations

import httpx
import pytest

from pitstop import clock
from pitstop.scheduler.loop import run_once
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("frozen")  # frozen at 2026-03-01T12:00Z


async def window(client: httpx.AsyncClient, start: str = "2026-03-01T11:30:00",
                 **overrides: object) -> tuple[int, int]:
    r = await client.post("/v1/windows", json={
        "title": "DB upgrade", "start": start, "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": "service:api"}], **overrides})
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["occurrences"][0]["id"]


def path(wid: int, oid: int) -> str:
    return f"/v1/windows/{wid}/occurrences/{oid}/updates"


async def test_an_operator_posts_updates_listed_newest_first(operator, anon):
    wid, oid = await window(operator)
    r = await operator.post(path(wid, oid), json={"body": "  Replicas are being promoted. "})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["body"] == "Replicas are being promoted." and first["status"] == "in_progress"
    assert first["html"] == "<p>Replicas are being promoted.</p>\n"
    assert first["created_at"] == "2026-03-01T12:00:00Z" and first["actor"] == "operator-user"
    assert (first["window"], first["occurrence"], first["target"]) == (wid, oid, None)
    clock.advance(600)
    r = await operator.post(path(wid, oid), json={"body": "Checking **data**.",
                                                  "status": "verifying"})
    assert r.status_code == 201 and r.json()["html"] == "<p>Checking <strong>data</strong>.</p>\n"
    items = (await operator.get(path(wid, oid))).json()["items"]
    assert [(u["status"], u["created_at"]) for u in items] == [
        ("verifying", "2026-03-01T12:10:00Z"), ("in_progress", "2026-03-01T12:00:00Z")]
    assert (await anon.get(path(wid, oid))).status_code == 401


async def test_an_upcoming_occurrence_takes_updates_marked_scheduled(operator):
    wid, oid = await window(operator, start="2026-03-02T08:00:00")
    r = await operator.post(path(wid, oid), json={"body": "Still on for tomorrow."})
    assert r.status_code == 201 and r.json()["status"] == "scheduled"


async def test_a_viewer_may_read_but_not_post(app, secrets, operator):
    wid, oid = await window(operator)
    async with client_for(app, secrets["viewer"]) as viewer:
        r = await viewer.post(path(wid, oid), json={"body": "hello"})
        assert r.status_code == 403
        assert r.headers["content-type"] == "application/problem+json"
        r = await viewer.post("/v1/targets/platform/maintenance/updates", json={"body": "x"})
        assert r.status_code == 403
        assert (await viewer.get(path(wid, oid))).status_code == 200
    assert (await operator.get(path(wid, oid))).json()["items"] == []


async def test_an_occurrence_that_is_over_takes_no_update(operator, rt):
    wid, oid = await window(operator)
    r = await operator.patch(f"/v1/windows/{wid}/occurrences/{oid}", json={"status": "COMPLETED"})
    assert r.status_code == 200, r.text
    r = await operator.post(path(wid, oid), json={"body": "All done"})
    assert r.status_code == 409
    problem = r.json()
    assert problem["type"].endswith("/invalid-transition")
    assert "the occurrence is completed" in problem["detail"]
    wid, oid = await window(operator, start="2026-03-01T13:00:00", title="Cancelled one")
    await operator.patch(f"/v1/windows/{wid}/occurrences/{oid}", json={"status": "CANCELLED"})
    r = await operator.post(path(wid, oid), json={"body": "x"})
    assert r.status_code == 409 and "cancelled" in r.json()["detail"]
    # Past its end while the scheduler has not run yet: over all the same.
    wid, oid = await window(operator, start="2026-03-01T12:30:00", duration="PT10M")
    clock.advance(3600)
    r = await operator.post(path(wid, oid), json={"body": "x"})
    assert r.status_code == 409 and "the occurrence is over" in r.json()["detail"]
    await run_once(rt, full=True)


@pytest.mark.parametrize(("body", "field"), [
    ({"body": "   "}, "body"), ({"body": "x" * 5001}, "body"), ({}, "body"),
    ({"body": "ok", "status": "investigating"}, "status"), ({"body": "ok", "extra": 1}, "extra"),
])
async def test_bad_updates_get_a_422_naming_the_field(operator, body, field):
    wid, oid = await window(operator)
    r = await operator.post(path(wid, oid), json=body)
    assert r.status_code == 422, r.text
    assert field in r.text


async def test_unknown_window_or_occurrence_is_404(operator):
    wid, oid = await window(operator)
    assert (await operator.post(path(wid + 1, oid), json={"body": "x"})).status_code == 404
    assert (await operator.post(path(wid, oid + 1), json={"body": "x"})).status_code == 404
    assert (await operator.get(path(wid, oid + 1))).status_code == 404
    r = await operator.post("/v1/targets/service:nope/maintenance/updates", json={"body": "x"})
    assert r.status_code == 404


async def test_a_switch_maintenance_takes_updates_only_while_its_switch_is_on(operator):
    await operator.put("/v1/targets/service:api", json={})
    url = "/v1/targets/service:api/maintenance/updates"
    r = await operator.post(url, json={"body": "Anything?"})
    assert r.status_code == 409
    assert "service:api is not in switch maintenance" in r.json()["detail"]
    await operator.post("/v1/targets/service:api/maintenance/enter", json={"reason": "disk"})
    r = await operator.post(url, json={"body": "Swapping the disk."})
    assert r.status_code == 201, r.text
    assert (r.json()["target"], r.json()["status"], r.json()["window"]) == (
        "service:api", "in_progress", None)
    clock.advance(60)
    await operator.post(url, json={"body": "Disk swapped, `fsck` running.", "status": "verifying"})
    items = (await operator.get(url)).json()["items"]
    assert [u["body"] for u in items] == ["Disk swapped, `fsck` running.", "Swapping the disk."]
    assert "<code>fsck</code>" in items[0]["html"]
    clock.advance(60)
    await operator.post("/v1/targets/service:api/maintenance/exit", json={"reason": "done"})
    assert (await operator.post(url, json={"body": "late"})).status_code == 409
    assert (await operator.get(url)).json()["items"] == []  # the list is of the current one
    clock.advance(60)
    await operator.post("/v1/targets/service:api/maintenance/enter", json={"reason": "again"})
    assert (await operator.get(url)).json()["items"] == []  # a new maintenance starts clean


async def test_markdown_is_rendered_inert(operator, anon):
    wid, oid = await window(operator)
    body = ("<script>alert(1)</script> [click](javascript:alert(1)) "
            "[docs](https://example.org/x) ![img](https://example.org/p.png) "
            '<img src=x onerror="alert(1)"> [mail](mailto:ops@example.org)')
    r = await operator.post(path(wid, oid), json={"body": body})
    html = r.json()["html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click](javascript:alert(1))" in html  # left as text
    assert '<a href="https://example.org/x" rel="nofollow noopener noreferrer">docs</a>' in html
    assert '<a href="mailto:ops@example.org"' in html
    page = (await anon.get("/")).text
    assert '<a href="https://example.org/x" rel="nofollow noopener noreferrer">docs</a>' in page
    assert "<script>alert(1)" not in page and 'src="https://example.org/p.png"' not in page


async def test_the_public_page_shows_public_updates_newest_first(operator, anon):
    wid, oid = await window(operator)
    await operator.post(path(wid, oid), json={"body": "First step done."})
    clock.advance(300)
    await operator.post(path(wid, oid), json={"body": "Second step done."})
    hidden_w, hidden_o = await window(operator, title="Private", public=False)
    await operator.post(path(hidden_w, hidden_o), json={"body": "Internal chatter."})
    await operator.post("/v1/targets/platform/maintenance/enter", json={
        "reason": "ops only", "public_message": "Network work"})
    await operator.post("/v1/targets/platform/maintenance/updates",
                        json={"body": "Core switch replaced."})
    page = (await anon.get("/")).text
    assert page.index("Second step done.") < page.index("First step done.")
    assert "Internal chatter." not in page
    assert "Core switch replaced." in page
    assert 'datetime="2026-03-01T12:05:00Z"' in page


async def test_each_update_is_in_the_history(operator):
    wid, oid = await window(operator)
    r = await operator.post(path(wid, oid), json={"body": "Half way."})
    update = r.json()["id"]
    rows = (await operator.get("/v1/history", params={"action": "update.posted"})).json()["items"]
    [row] = rows
    assert (row["actor"], row["target"]) == ("operator-user", f"window:{wid}")
    assert row["details"] == {"update": update, "status": "in_progress", "body": "Half way.",
                              "occurrence": oid}


async def test_a_window_with_updates_can_still_be_edited_and_deleted(operator):
    wid, oid = await window(operator, start="2026-03-02T08:00:00")
    await operator.post(path(wid, oid), json={"body": "Planned as announced."})
    r = await operator.patch(f"/v1/windows/{wid}", json={"start": "2026-03-02T09:00:00"})
    assert r.status_code == 200, r.text
    assert (await operator.delete(f"/v1/windows/{wid}")).status_code == 204
    assert (await operator.get(path(wid, oid))).status_code == 404


async def test_updates_stay_while_anyone_holds_the_maintenance(app, secrets, operator):
    url = "/v1/targets/platform/maintenance/updates"
    await operator.post("/v1/targets/platform/maintenance/enter", json={"reason": "deploy"})
    await operator.post(url, json={"body": "Deploying."})
    clock.advance(60)
    async with client_for(app, secrets["admin"]) as admin:
        r = await admin.post("/v1/targets/platform/maintenance/enter", json={"reason": "db"})
        assert r.json()["outcome"] == "joined"
        clock.advance(60)
        await operator.post("/v1/targets/platform/maintenance/exit", json={"reason": "done"})
        # The first holder left; the maintenance, and what was said during it, go on.
        await admin.post(url, json={"body": "Database next."})
        items = (await admin.get(url)).json()["items"]
        assert [u["body"] for u in items] == ["Database next.", "Deploying."]


async def _occurrences(client: httpx.AsyncClient, wid: int) -> list[dict]:
    r = await client.get(f"/v1/windows/{wid}/occurrences")
    assert r.status_code == 200, r.text
    return sorted(r.json()["items"], key=lambda o: o["start"])


async def test_updates_of_an_upcoming_occurrence_survive_an_edit_of_its_timing(
        operator, anon):
    """Editing the window's timing replaces its occurrences that have not started: their
    updates go on with the one in the same slot (same recurrence id), or else with the one
    that starts nearest to where theirs started."""
    wid, oid = await window(operator, start="2026-03-02T08:00:00", rrule="FREQ=DAILY;COUNT=3")
    second = (await _occurrences(operator, wid))[1]["id"]
    await operator.post(path(wid, oid), json={"body": "Tomorrow as planned."})
    await operator.post(path(wid, second), json={"body": "Day two: bring coffee."})
    r = await operator.patch(f"/v1/windows/{wid}", json={"duration": "PT2H"})  # same slots
    assert r.status_code == 200, r.text
    occs = await _occurrences(operator, wid)
    assert oid not in [o["id"] for o in occs]  # regenerated
    bodies = [[u["body"] for u in (await operator.get(path(wid, o["id"]))).json()["items"]]
              for o in occs]
    assert bodies == [["Tomorrow as planned."], ["Day two: bring coffee."], []]
    r = await operator.patch(f"/v1/windows/{wid}", json={"start": "2026-03-02T09:30:00"})
    assert r.status_code == 200, r.text  # a new time: new recurrence ids
    occs = await _occurrences(operator, wid)
    assert occs[0]["start"] == "2026-03-02T09:30:00Z"
    items = (await operator.get(path(wid, occs[1]["id"]))).json()["items"]
    assert [(u["body"], u["created_at"], u["status"]) for u in items] == [
        ("Day two: bring coffee.", "2026-03-01T12:00:00Z", "scheduled")]
    page = await anon.get("/")
    assert "Tomorrow as planned." in page.text
