"""Any apprise URL (Slack, Discord, email, Teams, Telegram, ...), sent with apprise's async
API: its sync ``notify()`` would block the event loop."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from pitstop.notify.base import ChannelView, DeliveryError, scrub


def _apprise() -> ModuleType:
    """apprise, imported at first use: a start-up with no apprise channel to check or send
    to need not pay for loading it and its plugins."""
    import apprise

    return apprise


class AppriseNotifier:
    kind = "apprise"

    def check_url(self, url: str) -> str:
        plugin = _apprise().Apprise.instantiate(url)
        if plugin is None:
            raise ValueError("apprise does not understand this url; see "
                             "https://github.com/caronc/apprise/wiki for the form of each "
                             "service's url (slack://, discord://, mailto://, json://, ...)")
        return str(plugin.url(privacy=True))

    async def send(self, channel: ChannelView, message: dict[str, Any], *, delivery_key: str
                   ) -> int | None:
        sender = _apprise().Apprise()
        if not sender.add(channel.url):
            raise DeliveryError("apprise does not understand the channel's url", permanent=True)
        result = await sender.async_notify(body=message["text"], title=message["title"],
                                           timeout=channel.timeout_s)
        if not result:
            logs = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
            detail = "; ".join(logs[-3:]) or f"apprise reported {result.status.name}"
            raise DeliveryError(scrub(detail, channel))
        return None

    async def close(self) -> None:
        return None
