"""Branding of the public side over HTTP: admins set the title, accent colour, about text
and logo (operators may not), bad input is refused with what to change and nothing stored
changes, the logo is served with an ETag, every change is audited; service groups are
listed and replaced, shown grouped on the status page and in the Statuspage-compatible API."""

from __future__ import annotations

import re

import feedparser
import httpx
import pytest

from pitstop.app import create_app
from pitstop.domain.branding import LOGO_MAX
from pitstop.settings import SettingsError, load_settings
from tests.conftest import client_for, make_settings

pytestmark = pytest.mark.usefixtures("frozen")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


async def services(client: httpx.AsyncClient, **statuses: str) -> None:
    for name, status in statuses.items():
        r = await client.put(f"/v1/services/{name}/status", json={"status": status})
        assert r.status_code == 200, r.text


async def test_defaults_come_from_the_environment(admin):
    r = await admin.get("/v1/branding")
    assert r.status_code == 200
    assert r.json() == {"title": "Service status", "accent": "#2454c5", "about": "",
                        "logo_url": None, "public_url": None, "overridden": []}


async def test_an_admin_sets_title_accent_and_about_audited(admin, anon):
    r = await admin.put("/v1/branding", json={"title": "  Acme   status ",
                                              "accent": "#FF6600", "about": "We run Acme."})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Acme status" and r.json()["accent"] == "#ff6600"
    assert sorted(r.json()["overridden"]) == ["about", "accent", "title"]
    entries = (await admin.get("/v1/history", params={"action": "branding.updated"})).json()
    entry = entries["items"][0]
    assert entry["actor"] == "admin-user"
    assert entry["details"]["before"]["title"] == "Service status"
    assert entry["details"]["after"]["title"] == "Acme status"
    page = (await anon.get("/")).text
    assert "<title>Acme status</title>" in page
    assert "--accent: #ff6600;" in page and "We run Acme." in page
    # null goes back to the default
    r = await admin.put("/v1/branding", json={"title": None})
    assert r.json()["title"] == "Service status" and "title" not in r.json()["overridden"]


@pytest.mark.parametrize(("body", "field", "says"), [
    ({"accent": "red"}, "accent", "CSS hex colour"),
    ({"accent": "#12345"}, "accent", "CSS hex colour"),
    ({"title": "x" * 81}, "title", "at most 80"),
    ({"title": "   "}, None, None),  # blank: back to the default, not an error
    ({"about": "a" * 1001}, "about", "at most 1000"),
])
async def test_bad_branding_is_refused_and_nothing_changes(admin, body, field, says):
    await admin.put("/v1/branding", json={"title": "Kept", "about": "kept"})
    r = await admin.put("/v1/branding", json={**body, "about": body.get("about", "changed")})
    if field is None:
        assert r.status_code == 200
        return
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["errors"][0]["field"] == field and says in problem["errors"][0]["message"]
    now = (await admin.get("/v1/branding")).json()
    assert (now["title"], now["about"]) == ("Kept", "kept")


async def test_operators_and_anonymous_may_not_change_branding(operator, anon):
    assert (await operator.put("/v1/branding", json={"title": "Mine"})).status_code == 403
    assert (await operator.put("/v1/branding/logo", content=PNG,
                               headers={"content-type": "image/png"})).status_code == 403
    assert (await operator.put("/v1/service-groups", json={"groups": []})).status_code == 403
    assert (await anon.put("/v1/branding", json={"title": "Mine"})).status_code == 401
    assert (await operator.get("/v1/branding")).json()["title"] == "Service status"


@pytest.mark.parametrize(("data", "media_type"), [
    (PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")])
async def test_the_logo_is_served_by_pitstop_with_an_etag(admin, anon, data, media_type):
    r = await admin.put("/v1/branding/logo", content=data,
                        headers={"content-type": "application/octet-stream"})
    assert r.status_code == 200, r.text
    url = r.json()["logo_url"]
    assert url.startswith("/branding/logo?v=")
    got = await anon.get(url)
    assert got.status_code == 200 and got.content == data
    assert got.headers["content-type"] == media_type
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "max-age" in got.headers["cache-control"]
    again = await anon.get("/branding/logo", headers={"if-none-match": got.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert f'src="{url}"' in (await anon.get("/")).text


async def test_svg_other_files_and_big_logos_are_refused(admin, anon):
    r = await admin.put("/v1/branding/logo", content=SVG, headers={"content-type": "image/svg+xml"})
    assert r.status_code == 422 and "PNG, JPEG or WebP" in r.json()["errors"][0]["message"]
    big = PNG + b"\x00" * LOGO_MAX
    r = await admin.put("/v1/branding/logo", content=big, headers={"content-type": "image/png"})
    assert r.status_code == 413 and "256 KiB" in r.json()["errors"][0]["message"]
    assert (await anon.get("/branding/logo")).status_code == 404
    assert (await admin.get("/v1/branding")).json()["logo_url"] is None


async def test_removing_the_logo(admin, anon):
    await admin.put("/v1/branding/logo", content=PNG, headers={"content-type": "image/png"})
    r = await admin.delete("/v1/branding/logo")
    assert r.status_code == 200 and r.json()["logo_url"] is None
    assert (await anon.get("/branding/logo")).status_code == 404
    assert "<img class=\"logo\"" not in (await anon.get("/")).text


async def test_the_title_names_the_feeds_the_compatible_api_and_the_embed(admin, anon):
    await admin.put("/v1/branding", json={"title": "Acme status"})
    summary = (await anon.get("/api/v2/summary.json")).json()
    assert summary["page"]["name"] == "Acme status"
    feed = feedparser.parse((await anon.get("/feeds/maintenance.atom")).content)
    assert feed.feed.title == "Acme status · Maintenance: all services"
    assert "<title>Maintenance · Acme status</title>" in (await anon.get("/embed/banner")).text


async def test_groups_are_replaced_keep_their_ids_and_are_audited(admin, operator):
    await services(operator, api="UP", db="UP", web="UP")
    r = await admin.put("/v1/service-groups", json={"groups": [
        {"name": "Core", "services": ["api", "db"]}, {"name": "Edge", "services": ["web"]}]})
    assert r.status_code == 200, r.text
    core = r.json()["items"][0]
    assert core == {"id": core["id"], "name": "Core", "position": 0,
                    "services": ["api", "db"]}
    r = await admin.put("/v1/service-groups", json={"groups": [
        {"name": "Edge", "services": []}, {"name": "Core", "services": ["db"]}]})
    items = r.json()["items"]
    assert [(g["name"], g["position"]) for g in items] == [("Edge", 0), ("Core", 1)]
    assert items[1]["id"] == core["id"]
    assert (await operator.get("/v1/service-groups")).json() == r.json()
    history = (await admin.get("/v1/history",
                               params={"action": "service_groups.updated"})).json()["items"]
    assert len(history) == 2 and history[0]["details"]["after"][1]["services"] == ["db"]


@pytest.mark.parametrize(("groups", "field", "says"), [
    ([{"name": "A", "services": ["nope"]}], "groups.0.services", "no service is named 'nope'"),
    ([{"name": "A", "services": ["api"]}, {"name": "a", "services": []}], "groups.1.name",
     "two groups are named"),
    ([{"name": "A", "services": ["api"]}, {"name": "B", "services": ["api"]}],
     "groups.1.services", "in one group only"),
    ([{"name": " ", "services": []}], "groups.0.name", "1-100 characters"),
])
async def test_bad_groups_are_refused_saying_what_to_change(admin, operator, groups, field,
                                                            says):
    await services(operator, api="UP")
    r = await admin.put("/v1/service-groups", json={"groups": groups})
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["field"] == field and says in error["message"]
    assert (await admin.get("/v1/service-groups")).json() == {"items": []}


def _group_html(page: str, name: str) -> str:
    found = re.search(r'<details class="group" data-testid="group-' + name
                      + r'" data-status="(\w+)">(.*?)</details>', page, re.S)
    assert found, f"no group {name} on the page"
    return found.group(1), found.group(2)


async def test_the_page_shows_services_grouped_with_the_most_severe_status(admin, operator,
                                                                           anon):
    await services(operator, api="UP", db="DEGRADED", web="UP", cdn="DOWN", solo="UP")
    await admin.put("/v1/service-groups", json={"groups": [
        {"name": "Core", "services": ["api", "db"]}, {"name": "Edge", "services": ["web", "cdn"]},
        {"name": "Calm", "services": ["solo"]}]})
    page = (await anon.get("/")).text
    status, body = _group_html(page, "Core")
    assert status == "DEGRADED" and "service-api" in body and "service-db" in body
    assert _group_html(page, "Edge")[0] == "DOWN"
    assert _group_html(page, "Calm")[0] == "UP"
    assert "<details open" not in page  # collapsed by default
    assert page.index("group-Core") < page.index("group-Edge") < page.index("group-Calm")


async def test_a_service_in_maintenance_makes_its_group_show_maintenance(admin, operator,
                                                                         anon):
    await services(operator, api="UP", db="UP", web="UP")
    await admin.put("/v1/service-groups", json={"groups": [
        {"name": "Core", "services": ["api", "db"]}]})
    r = await operator.post("/v1/targets/service:db/maintenance/enter",
                            json={"reason": "disk swap"})
    assert r.status_code == 200, r.text
    page = (await anon.get("/")).text
    assert _group_html(page, "Core")[0] == "MAINTENANCE"
    assert 'data-testid="service-web"' in page  # ungrouped, shown as before


async def test_the_compatible_api_has_group_components(admin, operator, anon):
    await services(operator, api="UP", db="DOWN", web="UP")
    r = await admin.put("/v1/service-groups", json={"groups": [
        {"name": "Core", "services": ["api", "db"]}]})
    gid = f"group-{r.json()['items'][0]['id']}"
    components = (await anon.get("/api/v2/components.json")).json()["components"]
    by_id = {c["id"]: c for c in components}
    group = by_id[gid]
    assert group["group"] is True and group["name"] == "Core"
    assert group["components"] == ["service:api", "service:db"]
    assert group["status"] == "major_outage" and group["group_id"] is None
    assert by_id["service:api"]["group_id"] == gid and by_id["service:db"]["group_id"] == gid
    assert by_id["service:web"]["group_id"] is None and "components" not in by_id["service:web"]
    assert [c["position"] for c in components] == list(range(1, len(components) + 1))
    assert [c["id"] for c in components][:3] == [gid, "service:api", "service:db"]


def test_bad_branding_settings_stop_the_process_naming_the_variable():
    settings = load_settings(page_title="Acme status", page_accent="#FF6600")
    assert (settings.page_title, settings.page_accent) == ("Acme status", "#FF6600")
    with pytest.raises(SettingsError, match="PITSTOP_PAGE_ACCENT"):
        load_settings(page_accent="orange")
    with pytest.raises(SettingsError, match="PITSTOP_PAGE_TITLE"):
        load_settings(page_title="")


async def test_the_environment_gives_the_defaults(database_url):
    app = create_app(make_settings(database_url, page_title="Acme status",
                                   page_accent="#FF6600", page_about="Hello."),
                     run_scheduler=False)
    async with app.router.lifespan_context(app), client_for(app) as anon:
        page = (await anon.get("/")).text
        assert "<title>Acme status</title>" in page and "--accent: #ff6600;" in page
        assert "Hello." in page


async def test_a_logo_etag_among_several_or_weak_is_not_modified(admin, anon):
    await admin.put("/v1/branding/logo", content=PNG, headers={"content-type": "image/png"})
    etag = (await anon.get("/branding/logo")).headers["etag"]
    for sent in (f'"other", {etag}', f"W/{etag}", "*"):
        r = await anon.get("/branding/logo", headers={"if-none-match": sent})
        assert r.status_code == 304, sent
    assert (await anon.get("/branding/logo", headers={"if-none-match": '"x"'})).status_code == 200
