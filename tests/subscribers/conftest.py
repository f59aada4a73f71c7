"""A real SMTP server (aiosmtpd) in the test process, and settings that mail through it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message

import pytest

from pitstop.settings import Settings
from tests.conftest import make_settings
from tests.live import free_port
from tests.receivers import HttpReceiver, SmtpReceiver

PUBLIC_URL = "https://status.example.com"


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    r = SmtpReceiver(free_port())
    yield r
    r.close()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    r = HttpReceiver()
    yield r
    r.close()


@pytest.fixture
def settings(database_url: str, smtp: SmtpReceiver) -> Settings:
    return make_settings(database_url, public_url=PUBLIC_URL, smtp_host="127.0.0.1",
                         smtp_port=smtp.port, smtp_tls="none",
                         subscriber_webhook_private=True, notify_backoff_base_s=1.0)


def text_of(mail: Message) -> str:
    """The mail's text/plain part, decoded."""
    parts = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    assert parts, mail.as_string()
    return parts[0].get_payload(decode=True).decode()


def link_in(mail: Message, path: str) -> str:
    found = re.search(re.escape(PUBLIC_URL + path) + r"\?token=[^\s<>\"]+", text_of(mail))
    assert found, text_of(mail)
    return found.group(0)


async def deliver_all(rt, rounds: int = 100) -> None:
    for _ in range(rounds):
        if await rt.delivery.run_once() > 0:
            return
