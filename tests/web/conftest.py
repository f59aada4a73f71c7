"""Browser tests: Playwright driving Debian's Chromium against a real server.

Without Chromium (or Playwright) the tests skip with the reason; with CI=true a skip is a
failure. Every page's requests are recorded, and a test fails if one goes to another host.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.live import LiveServer

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # Per module, not per session: Playwright's sync API keeps an event loop running in
    # this thread while it is open, which the other tests' asyncio.run() cannot share.
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _unavailable("Chromium is not installed: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30,
                      headers={"Authorization": f"Bearer {server.token}"}) as client:
        yield client


class Pages:
    """Opens pages in fresh contexts and checks that none talks to another host."""

    def __init__(self, browser: object, server: LiveServer) -> None:
        self.browser, self.server = browser, server
        self.contexts: list = []
        self.foreign: list[str] = []

    def open(self, path: str = "/", viewport: dict | None = None,  # type: ignore[no-untyped-def]
             *, offline: bool = False):
        """A new page at ``path``. ``offline``: every request to another host fails, as on a
        machine with no internet (it is still recorded in ``foreign``)."""
        context = self.browser.new_context(viewport=viewport or WIDE,  # type: ignore[attr-defined]
                                           timezone_id="Europe/Berlin", locale="en-GB")
        self.contexts.append(context)
        own = urlsplit(self.server.url).netloc

        def foreign(url: str) -> bool:
            parts = urlsplit(url)
            return parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own

        if offline:
            context.route(foreign, lambda route: route.abort("internetdisconnected"))
        page = context.new_page()
        page.on("request", lambda r: self.foreign.append(r.url) if foreign(r.url) else None)
        page.goto(self.server.url + path)
        return page

    def login(self, page, token: str | None = None):  # type: ignore[no-untyped-def]
        page.goto(self.server.url + "/console/login")
        page.fill("#token", token or self.server.token)
        page.click("button[type=submit]")
        page.wait_for_url("**/console")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser: object, server: LiveServer) -> Iterator[Pages]:
    opened = Pages(browser, server)
    yield opened
    opened.close()
    assert opened.foreign == [], f"pages requested other hosts: {opened.foreign}"


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """docs/screenshots/<name>-<width>.png, at the page's current width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
