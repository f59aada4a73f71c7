"""The RSS 2.0 and Atom feeds of public maintenance, read with feedparser (the parser most
Python feed readers and bots use), and the per-service iCalendar feed, read with icalendar.

Each feed holds what is in progress, planned, and recently ended, of both kinds (window
occurrences and switch-based maintenance), with public text only; an item keeps its id as it
moves from planned to in progress to ended."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from icalendar import Calendar

from pitstop import clock
from pitstop.app import create_app
from pitstop.domain.state import NEUTRAL_PUBLIC_TEXT
from pitstop.scheduler.loop import run_once
from pitstop.services.public_maintenance import PAST_NEUTRAL_TEXT
from pitstop.services.tokens import create_token
from pitstop.settings import SettingsError, load_settings
from tests.conftest import client_for, make_settings

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z

SECRETS = ("alice: rotate db-7 root password", "bob: kernel CVE-2026-1", "edge-1")
FEEDS = ("/feeds/maintenance.rss", "/feeds/maintenance.atom")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def stamp(parsed: object) -> datetime:
    """A feedparser date (a UTC struct_time) as a datetime."""
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)  # type: ignore[arg-type]


def changed(entry: feedparser.FeedParserDict) -> datetime:
    """An item's last change: Atom's <updated>, RSS's <pubDate> (RSS items have no other)."""
    return stamp(entry.updated_parsed if "updated_parsed" in entry else entry.published_parsed)


async def get_feed(client, path: str, **params: str) -> tuple[feedparser.FeedParserDict, str]:
    r = await client.get(path, params=params)
    assert r.status_code == 200, r.text
    kind = "rss" if path.endswith(".rss") else "atom"
    assert r.headers["content-type"] == f"application/{kind}+xml; charset=utf-8"
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")  # well-formed, as readers need
    assert parsed.version == ("rss20" if kind == "rss" else "atom10")
    return parsed, r.text


def by_title(parsed: feedparser.FeedParserDict) -> dict[str, feedparser.FeedParserDict]:
    return {e.title: e for e in parsed.entries}


async def window(client, title: str, start: str, selector: object, **body: object) -> int:
    r = await client.post("/v1/windows", json={
        "title": title, "start": start, "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": selector}], **body})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def switch(client, verb: str, target: str, reason: str, **body: object) -> None:
    r = await client.post(f"/v1/targets/{target}/maintenance/{verb}",
                          json={"reason": reason, **body})
    assert r.status_code == 200, r.text


async def later(rt, minutes: int) -> None:
    clock.advance(timedelta(minutes=minutes))
    await run_once(rt, full=True)


@pytest.fixture
async def scene(rt, admin, operator):
    """At 13:00: a platform maintenance that ended (12:00-12:30, public message), the db
    service in maintenance without a public message (since 12:40), a node in maintenance,
    and planned windows on api (tomorrow 10:00), on db (tomorrow 11:00), a private one on
    api, and one on every service labelled tier=web (api is)."""
    for name, labels in (("api", {"tier": "web"}), ("db", {})):
        assert (await operator.put(f"/v1/services/{name}/status",
                                   json={"status": "UP"})).status_code == 200
        assert (await operator.put(f"/v1/targets/service:{name}",
                                   json={"labels": labels})).status_code == 200
    assert (await admin.post("/v1/nodes", json={"name": "edge-1", "labels": {}})).status_code \
        == 201
    ids = {
        "api": await window(operator, "Search reindex", "2026-03-02T10:00:00", "service:api",
                            description="Search may return stale results."),
        "db": await window(operator, "DB failover", "2026-03-02T11:00:00", "service:db"),
        "private": await window(operator, "Secret work", "2026-03-02T09:00:00",
                                "service:api", public=False),
        "web": await window(operator, "CDN purge", "2026-03-03T08:00:00",
                            {"labels": {"tier": "web"}}),
    }
    await switch(operator, "enter", "platform", SECRETS[0],
                 public_message="Network upgrade")
    await later(rt, 30)
    await switch(operator, "exit", "platform", "done")
    await later(rt, 10)
    await switch(admin, "enter", "service:db", SECRETS[1])
    await switch(admin, "enter", "node:edge-1", "disk swap", public_message="edge-1 disk")
    await later(rt, 20)
    return ids


async def test_both_feeds_list_public_maintenance_of_both_kinds(scene, anon):
    for path in FEEDS:
        parsed, raw = await get_feed(anon, path)
        entries = by_title(parsed)
        assert set(entries) == {
            f"In progress: {NEUTRAL_PUBLIC_TEXT}", "Scheduled: Search reindex",
            "Scheduled: DB failover", "Scheduled: CDN purge", "Completed: Network upgrade"}
        for secret in (*SECRETS, "Secret work", "disk swap"):
            assert secret not in raw
        assert parsed.feed.title == "Service status · Maintenance: all services"
        assert parsed.feed.link == "http://test/"
        assert stamp(parsed.feed.updated_parsed) == at("2026-03-01T12:40:00Z")

        done = entries["Completed: Network upgrade"]
        assert done.id.startswith("urn:pitstop:maintenance-")
        assert done.link == f"http://test/?from=2026-03-01&to=2026-03-01#{done.id[12:]}"
        assert changed(done) == at("2026-03-01T12:30:00Z")
        assert "Completed: Sun 01 Mar 2026 12:00 UTC – Sun 01 Mar 2026 12:30 UTC (30 min)" \
            in done.summary
        assert [t.term for t in done.tags] == ["platform"]

        planned = entries["Scheduled: Search reindex"]
        assert re.fullmatch(r"urn:pitstop:occurrence-\d+", planned.id)
        assert planned.link == "http://test/"
        assert "Mon 02 Mar 2026 10:00 UTC – Mon 02 Mar 2026 11:00 UTC (1 h)" in planned.summary
        assert "Affects: api (maintenance)." in planned.summary
        assert "Search may return stale results." in planned.summary

        ongoing = entries[f"In progress: {NEUTRAL_PUBLIC_TEXT}"]
        assert "since Sun 01 Mar 2026 12:40 UTC, no end set" in ongoing.summary
        assert [t.term for t in ongoing.tags] == ["db"]


async def test_an_item_keeps_its_id_from_planned_to_ended(rt, scene, anon, admin):
    def find(parsed, name):
        return next(e for e in parsed.entries if e.title.endswith(name))

    before = {p: find((await get_feed(anon, p))[0], "Search reindex") for p in FEEDS}
    await later(rt, 21 * 60 + 5)  # 2 March 10:05: in progress
    during = {p: find((await get_feed(anon, p))[0], "Search reindex") for p in FEEDS}
    await later(rt, 60)  # 11:05: ended
    after = {p: find((await get_feed(anon, p))[0], "Search reindex") for p in FEEDS}
    for p in FEEDS:
        assert before[p].id == during[p].id == after[p].id
        assert [before[p].title, during[p].title, after[p].title] == [
            "Scheduled: Search reindex", "In progress: Search reindex",
            "Completed: Search reindex"]
        updated = [changed(e) for e in (before[p], during[p], after[p])]
        assert updated[0] < updated[1] < updated[2]
    # A switch-based maintenance too, once its last holder leaves.
    on = find((await get_feed(anon, FEEDS[1]))[0], NEUTRAL_PUBLIC_TEXT)
    await switch(admin, "exit", "service:db", "done")
    off = find((await get_feed(anon, FEEDS[1]))[0], f": {PAST_NEUTRAL_TEXT}")
    assert on.id == off.id and on.title == f"In progress: {NEUTRAL_PUBLIC_TEXT}"
    assert off.title == f"Completed: {PAST_NEUTRAL_TEXT}"  # not "Completed: ... in progress"


async def test_a_service_feed_holds_what_reaches_that_service(scene, anon, admin):
    for path in ("/feeds/services/api.rss", "/feeds/services/api.atom"):
        parsed, raw = await get_feed(anon, path)
        assert set(by_title(parsed)) == {  # its windows (by id, by label), the platform's
            "Scheduled: Search reindex", "Scheduled: CDN purge", "Completed: Network upgrade"}
        assert parsed.feed.title == "Service status · Maintenance: api"
        assert "DB failover" not in raw and NEUTRAL_PUBLIC_TEXT not in raw
    parsed, _ = await get_feed(anon, "/feeds/services/db.atom")
    assert set(by_title(parsed)) == {
        "Scheduled: DB failover", f"In progress: {NEUTRAL_PUBLIC_TEXT}",
        "Completed: Network upgrade"}
    self_link = next(link.href for link in parsed.feed.links if link.rel == "self")
    assert self_link == "http://test/feeds/services/db.atom"


async def test_an_unknown_service_is_a_404_problem(scene, anon):
    for path in ("/feeds/services/nope.rss", "/feeds/services/nope.atom",
                 "/v1/calendar/services/nope.ics"):
        r = await anon.get(path)
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["type"] == "/problems/not-found"
        assert "service 'nope' does not exist" in r.json()["detail"]
    r = await anon.get("/feeds/services/Bad%20Name.rss")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"


async def test_the_status_page_links_its_feeds(scene, anon):
    html = (await anon.get("/")).text
    head = html.split("</head>")[0]
    alternates = dict(re.findall(r'<link rel="alternate" type="([^"]+)"[^>]*href="([^"]+)"',
                                 head))
    assert alternates == {"application/rss+xml": "/feeds/maintenance.rss",
                          "application/atom+xml": "/feeds/maintenance.atom",
                          "text/calendar": "/v1/calendar.ics"}
    body = html.split("</head>")[1]
    for href in ("/feeds/maintenance.rss", "/feeds/maintenance.atom",
                 "/feeds/services/api.rss", "/v1/calendar/services/api.ics"):
        assert f'href="{href}"' in body  # visible links, not only discovery
        assert (await anon.get(href)).status_code == 200


async def test_a_reader_polling_with_its_etag_gets_304_until_something_changes(
        rt, scene, anon, operator):
    r = await anon.get(FEEDS[0])
    etag = r.headers["etag"]
    again = await anon.get(FEEDS[0], headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    await switch(operator, "enter", "service:api", "x", public_message="Cache warm-up")
    changed = await anon.get(FEEDS[0], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "In progress: Cache warm-up" in changed.text


async def test_a_title_with_a_control_character_still_makes_a_valid_feed(operator, anon):
    await window(operator, "Patch\x01 night\x1f", "2026-03-02T10:00:00", "platform")
    for path in FEEDS:
        parsed, _ = await get_feed(anon, path)
        assert [e.title for e in parsed.entries] == ["Scheduled: Patch night"]


async def test_links_use_the_public_url_when_set(sqlite_url):
    app = create_app(make_settings(sqlite_url, public_url="https://status.example.com/"),
                     run_scheduler=False)
    async with app.router.lifespan_context(app):
        token = (await create_token(rt=app.state.rt, name="ops", role="operator",
                                    actor="test")).secret
        async with client_for(app, token) as operator:
            await window(operator, "Upgrade", "2026-03-01T14:00:00", "platform")
            await switch(operator, "enter", "platform", "x")
            await later(app.state.rt, 5)
            await switch(operator, "exit", "platform", "y")
            for path in FEEDS:
                parsed, _ = await get_feed(operator, path)
                assert parsed.feed.link == "https://status.example.com/"
                links = sorted(e.link for e in parsed.entries)
                assert links == ["https://status.example.com/",
                                 "https://status.example.com/?from=2026-03-01&to=2026-03-01#"
                                 + next(e.id for e in parsed.entries
                                        if e.title.startswith("Completed"))[12:]]


async def test_ended_maintenance_stays_in_the_feeds_for_30_days_after_its_end(
        operator, anon):
    await operator.put("/v1/services/api/status", json={"status": "UP"})
    await switch(operator, "enter", "platform", "x", public_message="Short one")
    clock.advance(timedelta(hours=1))
    await switch(operator, "exit", "platform", "x")
    await switch(operator, "enter", "service:api", "x", public_message="Long migration")
    clock.advance(timedelta(days=35))  # the short one ended 35 days ago, the long one now
    await switch(operator, "exit", "service:api", "x")
    for path in FEEDS:
        parsed, _ = await get_feed(anon, path)
        assert [e.title for e in parsed.entries] == ["Completed: Long migration"]


def test_a_public_url_that_is_not_an_absolute_http_url_stops_the_process():
    assert load_settings(public_url=" https://status.example.com/ ").public_url == \
        "https://status.example.com"
    assert load_settings(public_url="").public_url is None
    for bad in ("status.example.com", "ftp://status.example.com", "https://x/?a=1"):
        with pytest.raises(SettingsError, match=r"PITSTOP_PUBLIC_URL: .*absolute http"):
            load_settings(public_url=bad)


async def test_a_service_calendar_holds_only_the_windows_that_reach_it(scene, anon):
    r = await anon.get("/v1/calendar/services/api.ics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(r.content)
    assert str(cal["X-WR-CALNAME"]) == "pitstop maintenance: api"
    assert {(str(e["UID"]), str(e["SUMMARY"])) for e in cal.walk("VEVENT")} == {
        (f"window-{scene['api']}@pitstop", "Search reindex"),
        (f"window-{scene['web']}@pitstop", "CDN purge")}
    cal = Calendar.from_ical((await anon.get("/v1/calendar/services/db.ics")).content)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["DB failover"]
    every = Calendar.from_ical((await anon.get("/v1/calendar.ics")).content)
    assert {str(e["SUMMARY"]) for e in every.walk("VEVENT")} == {
        "Search reindex", "DB failover", "CDN purge"}
