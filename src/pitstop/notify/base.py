"""The one interface every channel kind implements, and the registry of kinds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class DeliveryError(Exception):
    """A send that did not succeed. ``permanent`` ends retrying (the channel cannot work as
    configured); ``status_code`` is the receiver's answer when there was one."""

    def __init__(self, detail: str, *, status_code: int | None = None,
                 permanent: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status_code = status_code
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class ChannelView:
    """What a notifier needs of a channel; ``secret`` never leaves the server."""

    id: str
    name: str
    kind: str
    url: str
    secret: str | None
    timeout_s: float


class Notifier(Protocol):
    kind: str

    def check_url(self, url: str) -> str:
        """The URL with its secrets masked, for display; ValueError says what is wrong."""

    async def send(self, channel: ChannelView, message: dict[str, Any], *, delivery_key: str
                   ) -> int | None:
        """Send ``message``; returns the receiver's status code if there is one, or raises
        :class:`DeliveryError`."""

    async def close(self) -> None: ...


def scrub(text: str, channel: ChannelView) -> str:
    """An error text with the channel's URL and secret taken out: they may hold tokens."""
    for secret in (channel.url, channel.secret):
        if secret:
            text = text.replace(secret, "***")
    return text[:500]
