"""The SDK's maintenance hold: a block holds the target's maintenance under a name of its own
and releases exactly that hold on every way out, leaving others' holds alone."""

from __future__ import annotations

import asyncio

import pytest

from pitstop import sdk


def test_a_block_releases_its_hold_and_leaves_a_hand_made_one(live):
    with sdk.Client(live.url, live.token) as client:
        client.enter("platform", "manual db migration, do not exit")
        with client.maintenance("platform", "release 45") as hold:
            assert hold.entered["outcome"] == "joined"
            assert hold.wait_safe(5) is True
        assert hold.still_in_maintenance is True
        causes = client.get_target("platform")["causes"]
        assert [h["reason"] for h in causes[0]["holders"]] == [
            "manual db migration, do not exit"]


def test_an_exception_in_the_block_still_releases_the_hold(live):
    with sdk.Client(live.url, live.token) as client:
        with pytest.raises(RuntimeError, match="deploy broke"), \
                client.maintenance("platform", "release 46", public_message="Upgrading"):
            assert client.get_target("platform")["causes"][0]["public_message"] == "Upgrading"
            raise RuntimeError("deploy broke")
        assert client.get_target("platform")["in_maintenance"] is False
        row = client.history(target="platform", limit=1)["items"][0]
        assert row["action"] == "maintenance.exited"
        assert row["reason"] == "release 46 (ended by RuntimeError)"


def test_an_admin_ending_it_for_all_meanwhile_is_not_an_error(live):
    with sdk.Client(live.url, live.token) as client:
        client.enter("platform", "someone else's")
        with client.maintenance("platform", "release 47") as hold:
            client.exit("platform", "incident over", all=True)
        assert hold.exited["outcome"] == "off"  # nothing was left to release
        assert client.get_target("platform")["in_maintenance"] is False


def test_the_async_block_releases_its_hold(live):
    async def main() -> bool:
        async with sdk.AsyncClient(live.url, live.token) as client:
            async with client.maintenance("platform", "release 48") as hold:
                assert await hold.wait_safe(5)
            return hold.still_in_maintenance

    assert asyncio.run(main()) is False
