"""Public subscribers: signed links, addresses they may give. Pure: time is a parameter.

A link's token is ``<subscriber>.<purpose>.<expiry or 0>.<signature>``, the signature an
HMAC-SHA256 of the rest with the subscriber's own secret: a token is useless once the
subscriber is gone, and no unsigned id ever works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

CONFIRM_TTL = timedelta(hours=48)
PURPOSES = ("confirm", "unsubscribe")
# The notification kinds a public subscriber gets: what happens to public windows.
PUBLIC_KINDS = ("scheduled", "reminder", "starting_soon", "in_progress", "maintenance_update",
                "completed", "cancelled", "rescheduled")
_EMAIL = re.compile(r"^[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")


class BadToken(ValueError):
    """A token that is malformed, forged, or expired (the message says which)."""


@dataclass(frozen=True, slots=True)
class Token:
    subscriber: str
    purpose: str
    expires: int  # unix seconds; 0: never


def _mac(secret: str, body: str) -> str:
    digest = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_token(*, subscriber: str, purpose: str, secret: str, expires: datetime | None) -> str:
    body = f"{subscriber}.{purpose}.{int(expires.timestamp()) if expires else 0}"
    return f"{body}.{_mac(secret, body)}"


def read_token(token: str) -> Token:
    """The token's claims, unverified (to find the subscriber whose secret checks it)."""
    parts = token.split(".")
    if len(parts) != 4 or parts[1] not in PURPOSES or not parts[2].isdigit():
        raise BadToken("the link is not a pitstop subscription link; copy it whole")
    return Token(parts[0], parts[1], int(parts[2]))


def check_token(token: str, *, purpose: str, secret: str, now: datetime) -> Token:
    claims = read_token(token)
    body, _, mac = token.rpartition(".")
    if claims.purpose != purpose or not hmac.compare_digest(mac, _mac(secret, body)):
        raise BadToken("the link's signature does not match; copy it whole from the mail")
    if claims.expires and now.timestamp() > claims.expires:
        raise BadToken("the link has expired; subscribe again for a new one")
    return claims


def check_email(address: str) -> str:
    address = address.strip()
    if not _EMAIL.match(address) or len(address) > 320:
        raise ValueError("must be an email address such as jane@example.com")
    local, _, domain = address.partition("@")
    return f"{local}@{domain.lower()}"


def private_address(host: str) -> bool:
    """True for loopback, private, link-local and other non-public IP addresses."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.lower() in ("localhost",) or host.lower().endswith(".localhost")
    return not ip.is_global or ip.is_multicast


def unsubscribe_url(public_url: str, subscriber: str, secret: str) -> str:
    """The subscriber's unsubscribe link: it does not expire (old mails keep working)."""
    token = sign_token(subscriber=subscriber, purpose="unsubscribe", secret=secret,
                       expires=None)
    return f"{public_url}/subscribe/unsubscribe?token={token}"
