"""The console's Silences page in a real browser, against a served pitstop and a real
Alertmanager: an admin adds a rule with the form, a bad template is shown next to the
matchers, a node in maintenance is listed with its silence's id in Alertmanager, and the
page fits 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alertmanager import AlertmanagerProcess, skip_or_fail_without_alertmanager
from tests.live import LiveServer, until
from tests.web.conftest import PHONE, screenshot


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[AlertmanagerProcess]:
    skip_or_fail_without_alertmanager()
    (tmp_path / "am").mkdir()
    am = AlertmanagerProcess(tmp_path / "am").start()
    yield am
    am.stop()


@pytest.fixture
def server(tmp_path: Path, alertmanager: AlertmanagerProcess) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path, PITSTOP_ALERTMANAGER_URL=alertmanager.url).start()
    yield server
    server.stop()


def test_an_admin_adds_a_rule_and_sees_the_silence(pages, api, alertmanager):
    api.post("/v1/nodes", json={"name": "db-1", "labels": {"env": "prod"}})
    page = pages.login(pages.open("/console/login"))
    page.goto(pages.server.url + "/console/silences")
    page.fill("#sr-name", "prod nodes")
    page.fill("#sr-selector", "env=prod")
    page.fill("#sr-matchers", "instance={host}")
    page.click("text=Add rule")
    error = page.locator('[data-error-for="matchers"]')
    error.wait_for(state="visible")
    assert "unknown field '{host}'" in error.inner_text()

    page.fill("#sr-matchers", "instance={name}:9100\nenv={labels.env}")
    page.click("text=Add rule")
    page.locator('[data-testid="silence-rule-prod nodes"]').wait_for()
    assert "instance={name}:9100" in page.inner_text('[data-testid="silence-rules"]')

    r = api.post("/v1/nodes/db-1/maintenance/enter", json={"reason": "swap the boot disk"})
    assert r.status_code == 200, r.text
    until(lambda: len(alertmanager.active()) == 1, within=10)
    [silence] = alertmanager.active()
    page.reload()
    row = page.locator('[data-testid="silence"]')
    row.wait_for()
    assert "node:db-1" in row.inner_text() and silence["id"] in row.inner_text()
    screenshot(page, "console-silences")
    page.goto(pages.server.url + "/console/fleet/db-1")  # the node's page shows it too
    assert silence["id"] in page.inner_text('[data-testid="node-silence"]')

    narrow = pages.login(pages.open("/console/login", PHONE))
    narrow.goto(pages.server.url + "/console/silences")
    narrow.wait_for_load_state("networkidle")
    assert narrow.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(narrow, "console-silences")
