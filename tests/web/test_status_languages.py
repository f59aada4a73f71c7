"""The public page in English and German: the language follows ``?lang=``, then the cookie
that sets, then ``Accept-Language``; dates are in the language's format; and every
translatable string of the public templates has a German translation (the catalogue cannot
fall behind). Rendered by the server (no browser needed)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from pitstop.web import i18n

pytestmark = pytest.mark.usefixtures("frozen")  # 2026-03-01T12:00Z
ROOT = Path(__file__).resolve().parents[2]
GERMAN = "de-DE,de;q=0.9"


async def _window(operator, start: str) -> None:
    r = await operator.post("/v1/windows", json={
        "title": "Database upgrade", "start": start, "timezone": "UTC", "duration": "PT1H",
        "affects": [{"selector": "service:api", "impact": "DEGRADED"}]})
    assert r.status_code == 201, r.text


def _lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


async def test_german_from_the_header(operator, anon):
    await _window(operator, "2026-03-05T13:30:00")
    r = await anon.get("/", headers={"Accept-Language": GERMAN})
    assert r.status_code == 200
    assert _lang(r.text) == "de"
    assert "Alle Systeme betriebsbereit" in r.text and "Anstehende Wartung" in r.text
    assert "Upcoming maintenance" not in r.text
    assert r.headers["vary"] == "Accept-Language, Cookie"
    assert "set-cookie" not in r.headers  # only an explicit choice is remembered
    # Dates in German: weekday, day, month, year, then the time.
    assert "Do., 5. März 2026, 13:30 UTC" in r.text
    assert "Zeiten werden in <span data-tz>UTC</span> angezeigt." in r.text


async def test_english_by_default_and_for_an_unknown_language(operator, anon):
    await _window(operator, "2026-03-05T13:30:00")
    for headers in ({}, {"Accept-Language": "fr-FR,fr;q=0.9"}, {"Accept-Language": "x;q=0"}):
        r = await anon.get("/", headers=headers)
        assert _lang(r.text) == "en", headers
        assert "All systems operational" in r.text and "Upcoming maintenance" in r.text
        assert "Thu, Mar 5, 2026, 13:30 UTC" in r.text
    r = await anon.get("/", params={"lang": "xx"}, headers={"Accept-Language": "fr"})
    assert _lang(r.text) == "en" and "set-cookie" not in r.headers


async def test_the_switcher_sets_a_cookie_that_wins_over_the_header(anon):
    r = await anon.get("/", params={"lang": "de"})
    assert _lang(r.text) == "de" and "Dienste" in r.text
    assert re.search(r"lang=de;.*Max-Age=31536000", r.headers["set-cookie"])
    assert 'href="?lang=en"' in r.text and 'href="?lang=de"' in r.text
    assert re.search(r'href="\?lang=de"[^>]*aria-current="true"', r.text)
    # The client kept the cookie: German without asking, whatever the browser says.
    r = await anon.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _lang(r.text) == "de"
    r = await anon.get("/", params={"lang": "en"}, headers={"Accept-Language": GERMAN})
    assert _lang(r.text) == "en"
    assert _lang((await anon.get("/", headers={"Accept-Language": GERMAN})).text) == "en"


async def test_the_page_s_script_and_its_partial_get_german(anon):
    r = await anon.get("/", params={"lang": "de"})
    blob = re.search(r'<script type="application/json" id="pitstop-strings">(.*?)</script>',
                     r.text).group(1)
    assert "Beginnt in {span}" in blob and "Aktualisiert." in blob
    partial = await anon.get("/", params={"partial": 1})  # the cookie from above
    assert "Vergangene Wartung" in partial.text


async def test_the_error_and_the_banner_in_german(operator, anon):
    r = await anon.get("/", params={"from": "2026-03-05", "to": "2026-03-04", "lang": "de"})
    assert "Das „Bis“-Datum liegt vor dem „Von“-Datum" in r.text
    await _window(operator, "2026-03-01T11:30:00")
    banner = await anon.get("/embed/banner", headers={"Accept-Language": GERMAN})
    assert _lang(banner.text) == "de" and "Wartung läuft" in banner.text
    assert "bis <time" in banner.text and "So., 1. März 2026, 12:30 UTC" in banner.text


async def test_the_subscribe_pages_in_german(anon):
    form = await anon.get("/subscribe", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert form.status_code == 200 and '<html lang="de"' in form.text
    assert "Wartungsmeldungen abonnieren" in form.text and "E-Mail-Adresse" in form.text
    assert "<title>Wartungsmeldungen abonnieren · Dienststatus</title>" in form.text
    gone = await anon.get("/subscribe/unsubscribe?token=x&lang=de")
    assert "Drücken Sie die Schaltfläche" in gone.text and "Abmelden" in gone.text
    assert "Drücken Sie" in (await anon.get("/subscribe/unsubscribe?token=x")).text  # cookie
    anon.cookies.clear()
    english = await anon.get("/subscribe")
    assert "Subscribe to maintenance notices" in english.text and 'lang="en"' in english.text


def test_the_console_stays_english():
    from pitstop.web.templating import templates
    html = templates.get_template("console/login.html").render({})
    assert "Skip to content" in html and '<html lang="en">' in html


def test_every_string_of_the_public_page_has_a_german_translation():
    """Extract the public templates' and the page's Python strings with babel (babel.cfg)
    and compare against the German catalogue (and any other language's)."""
    method_map, options_map = [], {}
    section = None
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = tuple(line[1:-1].split(": ", 1))
            method_map.append((section[1], section[0]))
            options_map[section[1]] = {}
        elif "=" in line and section and not line.startswith("#"):
            key, value = (p.strip() for p in line.split("=", 1))
            options_map[section[1]][key] = value
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {msg if isinstance(msg, str) else msg[0]
             for _, _, msg, _, _ in extract_from_dir(str(ROOT), method_map, options_map,
                                                     keywords=keywords)}
    assert len(found) > 50 and "Upcoming maintenance" in found and "Verifying" in found
    for lang in [code for code in i18n.LANGUAGES if code != i18n.DEFAULT]:
        po = i18n.LOCALES / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as source:
            catalog = read_po(source, locale=lang)
        done = {_forms(m.id)[0] for m in catalog
                if m.id and all(_forms(m.string)) and not m.fuzzy}
        untranslated = sorted(found - done)
        assert untranslated == [], f"no {lang} for {untranslated}: see README, Languages"
        for message in catalog:  # placeholders survive translation, in every plural form
            if message.id:
                ids, strings = _forms(message.id), _forms(message.string)
                for text in strings:
                    assert _placeholders(text) == _placeholders(ids[-1 if text is strings[-1]
                                                                    else 0]), message.id


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's id or translation as its forms (singular and plurals)."""
    return (text,) if isinstance(text, str) else tuple(text)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)[sd]|\{\w+\}", text))


def test_catalogues_compile_when_missing_or_older(tmp_path):
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po = i18n.LOCALES / "de" / "LC_MESSAGES" / "messages.po"
    (target / "messages.po").write_bytes(po.read_bytes())
    assert i18n.compile_catalogues(tmp_path) == [target / "messages.mo"]
    assert i18n.compile_catalogues(tmp_path) == []  # up to date
    os.utime(target / "messages.mo", (0, 0))
    assert i18n.compile_catalogues(tmp_path) == [target / "messages.mo"]
