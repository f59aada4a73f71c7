"""``pitstop channels``, ``subscriptions`` and ``deliveries`` against a real server and a
real webhook receiver: a channel is created, tested, subscribed, its notification is listed
among the deliveries, and it is unsubscribed and deleted, as on the console's Channels page."""

from __future__ import annotations

import json
from collections import deque

from tests.live import until
from tests.receivers import HttpReceiver


def test_channels_subscriptions_and_deliveries(live):
    receiver = HttpReceiver(plan=deque([200, 500]))
    try:
        made = live.cli("channels", "create", "ops hook", "webhook", receiver.url + "/hook",
                        "--secret", "a-signing-key-of-32-characters!", "--json")
        assert made.returncode == 0, made.stderr
        channel = json.loads(made.stdout)["id"]
        assert channel in live.cli("channels", "list").stdout
        tested = live.cli("channels", "test", channel)
        assert tested.stdout.strip().startswith(f"{channel}: test delivered (HTTP 200")
        sub = live.cli("subscriptions", "create", channel, "--event", "maintenance_entered",
                       "--target", "platform")
        assert sub.returncode == 0, sub.stderr
        assert "maintenance_entered" in sub.stdout
        listed = json.loads(live.cli("subscriptions", "list", "--channel", channel,
                                     "--json").stdout)["items"]
        assert [s["events"] for s in listed] == [["maintenance_entered"]]

        assert live.cli("enter", "platform", "-r", "db upgrade").returncode == 0
        until(lambda: len(receiver.requests) >= 2, within=10)  # the test, then a 500
        rows = live.cli("deliveries", "list", "--channel", channel).stdout.splitlines()
        assert any("maintenance_entered" in r for r in rows[1:])

        gone = live.cli("subscriptions", "delete", listed[0]["id"])
        assert gone.returncode == 0 and live.cli(
            "subscriptions", "list", "--channel", channel, "--json").stdout.count('"id"') == 0
        assert live.cli("channels", "delete", channel).returncode == 0
        assert channel not in live.cli("channels", "list").stdout
        missing = live.cli("channels", "delete", channel)
        assert missing.returncode == 1 and missing.stderr.startswith("error: ")
    finally:
        receiver.close()
