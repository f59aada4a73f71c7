"""RSS 2.0 and Atom feeds of public maintenance, for the whole page or one service.

Each feed holds what is in progress, what is planned, and what ended in the last
``RECENT`` (both kinds: window occurrences and switch-based maintenance, public text only,
see services/public_maintenance.py). An item keeps its id from announcement to history
(``urn:pitstop:occurrence-17``, ``urn:pitstop:maintenance-42``), so a reader updates it in
place as it starts and ends; its date is its last change. Links are absolute, on ``base``
(PITSTOP_PUBLIC_URL, or the address the request came to). The XML is written by feedgen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode

from feedgen.feed import FeedGenerator

from pitstop import clock
from pitstop.services.branding import page_branding
from pitstop.services.public_maintenance import (
    PublicMaintenance,
    Scope,
    current_maintenance,
    duration_text,
    past_maintenance,
    scope_of,
)
from pitstop.services.runtime import Runtime

RECENT = timedelta(days=30)  # how far back ended maintenance stays in a feed
MAX_PAST = 50
MAX_UPCOMING = 50
TTL_MIN = 5  # RSS <ttl>: how long a reader may cache the feed
# Characters XML 1.0 cannot carry at all (a control character in a title would otherwise
# fail the whole feed).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
STATE = {"SCHEDULED": "Scheduled", "READY": "Scheduled", "ONGOING": "In progress",
         "COMPLETED": "Completed", "CANCELLED": "Cancelled"}


class FeedFormat(StrEnum):
    RSS = "rss"
    ATOM = "atom"

    @property
    def media_type(self) -> str:
        return "application/rss+xml" if self is FeedFormat.RSS else "application/atom+xml"


def feed_path(fmt: FeedFormat, service: str | None = None) -> str:
    """The path a feed is served at (the routes in api/feeds.py)."""
    return f"/feeds/services/{service}.{fmt}" if service else f"/feeds/maintenance.{fmt}"


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _utc(at: datetime) -> str:
    at = at.astimezone(UTC)
    return f"{at:%a %d %b %Y %H:%M:%S} UTC" if at.second else f"{at:%a %d %b %Y %H:%M} UTC"


def _summary(item: PublicMaintenance) -> str:
    """What a reader shows under the title: state, times, duration, what it affects."""
    if item.end is None:
        when = f"since {_utc(item.start)}, no end set"
    else:
        assert item.duration is not None
        when = f"{_utc(item.start)} – {_utc(item.end)} ({duration_text(item.duration)})"
    lines = [f"{STATE[item.status]}: {when}."]
    if item.affects:
        lines.append("Affects: " + ", ".join(f"{a['what']} ({a['impact'].lower()})"
                                             for a in item.affects) + ".")
    if item.description:
        lines.append(item.description)
    return "\n".join(lines)


def _link(base: str, item: PublicMaintenance) -> str:
    """The status page, and for an ended one its day under past maintenance, at its row."""
    if item.status not in ("COMPLETED", "CANCELLED"):
        return f"{base}/"
    day = item.start.astimezone(UTC).date().isoformat()
    return f"{base}/?{urlencode({'from': day, 'to': day})}#{item.key}"


def _entry(fg: FeedGenerator, base: str, item: PublicMaintenance) -> None:
    entry = fg.add_entry(order="append")
    entry.guid(f"urn:pitstop:{item.key}", permalink=False)  # also the Atom id
    entry.title(_text(f"{STATE[item.status]}: {item.title}"))
    entry.link(href=_link(base, item), rel="alternate")
    entry.summary(_text(_summary(item)))
    entry.published(item.updated)
    entry.updated(item.updated)
    for affected in item.affects:
        entry.category(term=_text(affected["what"]))


def _generator(base: str, fmt: FeedFormat, scope: Scope, updated: datetime, title: str
               ) -> FeedGenerator:
    fg = FeedGenerator()
    what = f"{scope.service}" if scope.service else "all services"
    fg.id(f"urn:pitstop:feed:{scope.service or 'all'}")
    fg.title(_text(f"{title} · Maintenance: {what}"))
    fg.description(_text(f"Maintenance of {what}: in progress, planned, and ended in the last "
                         f"{RECENT.days} days."))
    fg.author({"name": _text(title)})
    fg.link(href=base + feed_path(fmt, scope.service), rel="self", type=fmt.media_type)
    fg.link(href=f"{base}/", rel="alternate")  # last: feedgen makes it the RSS <link>
    fg.language("en")
    fg.generator("pitstop")
    fg.ttl(TTL_MIN)
    fg.updated(updated)
    return fg


def render_feed(items: Sequence[PublicMaintenance], *, base: str, fmt: FeedFormat,
                scope: Scope, now: datetime, title: str) -> bytes:
    """The feed document, named after the page (``title``); its date is its newest
    item's (now when it has none)."""
    updated = max((i.updated for i in items), default=now)
    fg = _generator(base, fmt, scope, updated, title)
    for item in items:
        _entry(fg, base, item)
    return bytes(fg.rss_str(pretty=True) if fmt is FeedFormat.RSS else fg.atom_str(pretty=True))


async def maintenance_feed(*, rt: Runtime, base: str, fmt: FeedFormat,
                           service: str | None = None) -> bytes:
    """The feed of everything public, or of what reaches ``service`` (its own maintenance,
    the platform's, and public windows that match it). NotFound for an unknown service."""
    now = clock.now()
    scope = scope_of(rt.state, service)
    ongoing, upcoming = await current_maintenance(rt, now, scope=scope)
    past = await past_maintenance(rt, now, since=None, until=None, limit=MAX_PAST,
                                  scope=scope, ended_since=now - RECENT)
    return render_feed([*ongoing, *upcoming[:MAX_UPCOMING], *past], base=base.rstrip("/"),
                       fmt=fmt, scope=scope, now=now, title=page_branding(rt).title)
