"""``pitstop branding`` and ``pitstop service-groups`` against a real server: what the
console's Branding page does, from the command line."""

from __future__ import annotations

import json

from tests.api.test_branding import PNG


def test_branding_logo_and_service_groups(live, tmp_path):
    shown = live.cli("branding", "set", "--title", "Acme status", "--accent", "#0a7")
    assert shown.returncode == 0, shown.stderr
    assert "title  Acme status\n" in shown.stdout
    assert "about  -  (default)" in shown.stdout or "(default)" in shown.stdout
    bad = live.cli("branding", "set", "--accent", "teal")
    assert bad.returncode == 1 and "accent" in bad.stderr
    assert live.cli("branding", "set").returncode == 1  # nothing to change

    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    assert live.cli("branding", "logo", "set", str(logo)).stdout.startswith("logo uploaded: ")
    assert json.loads(live.cli("branding", "show", "--json").stdout)["logo_url"]
    assert live.cli("branding", "logo", "remove").stdout.strip() == "logo removed"
    reset = json.loads(live.cli("branding", "set", "--reset", "title", "--json").stdout)
    assert "title" not in reset["overridden"] and "accent" in reset["overridden"]

    for name in ("api", "db", "cdn"):
        live.cli("services", "status", name, "UP")
    saved = live.cli("service-groups", "set", "--group", "Core=api,db", "--group", "Edge=cdn")
    assert saved.returncode == 0, saved.stderr
    rows = live.cli("service-groups", "list").stdout.splitlines()
    assert [r.split() for r in rows[1:]] == [["0", "Core", "api,db"], ["1", "Edge", "cdn"]]
    unknown = live.cli("service-groups", "set", "--group", "Core=nope")
    assert unknown.returncode == 1 and "no service is named 'nope'" in unknown.stderr
