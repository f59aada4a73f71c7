"""``pitstop subscribers list|export|remove`` against a real server, through the SDK."""

from __future__ import annotations

import csv
import io
import json

import httpx

from tests.live import LiveServer
from tests.receivers import HttpReceiver


def test_subscribers_list_export_and_remove(tmp_path):
    receiver = HttpReceiver()
    server = LiveServer(tmp_path, PITSTOP_SUBSCRIBER_WEBHOOK_PRIVATE="true").start()
    try:
        r = httpx.post(server.url + "/v1/public/subscribers", json={
            "kind": "webhook", "address": receiver.url + "/hook"})
        assert r.status_code == 202, r.text
        sub = r.json()["id"]
        listed = json.loads(server.cli("subscribers", "list", "--json").stdout)["items"]
        assert [(s["id"], s["kind"], s["status"]) for s in listed] == [
            (sub, "webhook", "confirmed")]
        assert sub in server.cli("subscribers", "list", COLUMNS="200").stdout
        rows = list(csv.DictReader(io.StringIO(server.cli("subscribers", "export").stdout)))
        assert rows[0]["id"] == sub and rows[0]["address"] == receiver.url + "/hook"
        assert server.cli("subscribers", "remove", sub).returncode == 0
        assert json.loads(server.cli("subscribers", "list", "--json").stdout)["items"] == []
        r = server.cli("subscribers", "remove", sub)
        assert r.returncode == 1 and "no subscriber" in r.stderr
    finally:
        server.stop()
        receiver.close()
