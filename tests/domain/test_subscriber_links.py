"""Subscriber links: signed with the subscriber's own key, for one purpose, until they
expire; and the webhook addresses a visitor may not give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pitstop.domain.subscribers import BadToken, check_token, private_address, sign_token

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_a_signed_link_is_accepted_until_it_expires():
    token = sign_token(subscriber="sb_1", purpose="confirm", secret="k" * 32,
                       expires=NOW + timedelta(hours=48))
    assert check_token(token, purpose="confirm", secret="k" * 32, now=NOW).subscriber == "sb_1"
    with pytest.raises(BadToken, match="expired"):
        check_token(token, purpose="confirm", secret="k" * 32, now=NOW + timedelta(hours=49))


@pytest.mark.parametrize("change", [
    lambda t: t.replace("sb_1", "sb_2"),  # another subscriber's id
    lambda t: t[:-2] + ("xx" if not t.endswith("xx") else "yy"),  # forged signature
    lambda t: "sb_1.confirm.0." + t.rpartition(".")[2],  # expiry removed
])
def test_a_changed_link_is_refused(change):
    token = sign_token(subscriber="sb_1", purpose="confirm", secret="k" * 32,
                       expires=NOW + timedelta(hours=1))
    with pytest.raises(BadToken):
        check_token(change(token), purpose="confirm", secret="k" * 32, now=NOW)


def test_a_link_serves_only_its_purpose_and_its_subscriber_key():
    token = sign_token(subscriber="sb_1", purpose="confirm", secret="k" * 32, expires=None)
    with pytest.raises(BadToken):
        check_token(token, purpose="unsubscribe", secret="k" * 32, now=NOW)
    with pytest.raises(BadToken):
        check_token(token, purpose="confirm", secret="j" * 32, now=NOW)


@pytest.mark.parametrize("host,private", [
    ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.1", True), ("169.254.169.254", True),
    ("[::1]", True), ("fe80::1", True), ("localhost", True), ("0.0.0.0", True),
    ("93.184.216.34", False), ("hooks.example.com", False)])
def test_private_addresses_are_recognised(host, private):
    assert private_address(host) is private
