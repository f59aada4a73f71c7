"""The native webhook: a JSON POST signed with the channel's secret.

Headers: ``X-Pitstop-Signature: sha256=<hex HMAC-SHA256 of the body>``, ``X-Pitstop-Delivery``
(the same on every retry of one delivery: receivers use it to drop repeats) and
``X-Pitstop-Event`` (the notification kind).
"""

from __future__ import annotations

import hashlib
import hmac
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from pitstop import __version__
from pitstop.encoding import dumps
from pitstop.notify.base import ChannelView, DeliveryError, scrub

if TYPE_CHECKING:
    import httpx


def _httpx() -> ModuleType:
    """httpx, imported at first use: a start-up that sends no webhook need not
    pay for loading it."""
    import httpx

    return httpx


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    kind = "webhook"

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def check_url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("a webhook url must be http:// or https:// with a host, such as "
                             "https://hooks.example.com/pitstop")
        # Receivers put their tokens in the path (/api/webhooks/<id>/<token>) or the query:
        # show where it goes, not how it authenticates.
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        path = "/***" if parts.path.strip("/") or parts.query else ""
        return urlunsplit((parts.scheme, host, path, "", ""))

    async def send(self, channel: ChannelView, message: dict[str, Any], *, delivery_key: str
                   ) -> int | None:
        body = dumps({**message, "delivery": delivery_key})
        headers = {"Content-Type": "application/json",
                   "User-Agent": f"pitstop/{__version__}",
                   "X-Pitstop-Delivery": delivery_key,
                   "X-Pitstop-Event": str(message.get("kind"))}
        if channel.secret:
            headers["X-Pitstop-Signature"] = sign(channel.secret, body)
        try:
            response = await self._http().post(channel.url, content=body, headers=headers,
                                               timeout=channel.timeout_s)
        except _httpx().TimeoutException:
            raise DeliveryError(f"no answer within {channel.timeout_s:g} s") from None
        except _httpx().ConnectError:
            where = urlsplit(channel.url).netloc.rpartition("@")[2]
            raise DeliveryError(f"could not connect to {where}") from None
        except _httpx().HTTPError as exc:
            raise DeliveryError(scrub(f"{type(exc).__name__}: {exc}", channel)) from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"the receiver answered HTTP {response.status_code}",
                                status_code=response.status_code)
        return response.status_code

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = _httpx().AsyncClient(follow_redirects=False)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
