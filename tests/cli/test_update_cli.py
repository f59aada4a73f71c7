"""``pitstop update``: post to a switch maintenance or an occurrence, list newest first, and
a refusal that says what to do."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta


def test_post_and_list_updates_of_a_switch_and_an_occurrence(live):
    assert live.cli("enter", "platform", "--reason", "network").returncode == 0
    r = live.cli("update", "post", "platform", "Core switch *replaced*.")
    assert r.returncode == 0, r.stderr
    assert "posted to platform (in_progress)" in r.stdout
    r = subprocess.run([sys.executable, "-m", "pitstop", "update", "post", "platform", "-",
                        "--status", "verifying", "--json"], input="Checking links.",
                       env=live.env(), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "verifying"
    items = json.loads(live.cli("update", "list", "platform", "--json").stdout)["items"]
    assert [u["body"] for u in items] == ["Checking links.", "Core switch *replaced*."]
    assert "Core switch *replaced*." in live.cli("update", "list", "platform").stdout
    start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    with live.client() as http:
        window = http.post("/v1/windows", json={
            "title": "Patch", "start": start, "timezone": "UTC", "duration": "PT1H",
            "affects": [{"selector": "platform"}]}).json()
    subject = f"{window['id']}/{window['occurrences'][0]['id']}"
    r = live.cli("update", "post", subject, "On schedule.")
    assert r.returncode == 0 and "(scheduled)" in r.stdout
    r = live.cli("update", "post", "service:none", "x")
    assert r.returncode != 0 and "does not exist" in r.stderr
