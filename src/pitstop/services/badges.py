"""What a badge says: a service's displayed status, or the whole page's, in a word and a
colour. The words are the status page's (its banner and each service's displayed status);
drawing them is the route's business."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pitstop.services import status_page
from pitstop.services.runtime import Runtime
from pitstop.services.service_status import describe_service

PLATFORM_BADGE = "platform"
# The status a service displays (service_status.describe_service): the badge's text and colour.
SERVICE = {"UP": ("operational", "green"), "UNKNOWN": ("unknown", "grey"),
           "MAINTENANCE": ("maintenance", "blue"), "DEGRADED": ("degraded", "orange"),
           "DOWN": ("down", "red")}
# The status page's banner (status_page.compose).
PAGE = {"operational": ("operational", "green"), "maintenance": ("maintenance", "blue"),
        "degraded": ("degraded", "orange"), "outage": ("partial outage", "red")}


@dataclass(frozen=True, slots=True)
class Badge:
    label: str
    text: str
    colour: str  # green | blue | orange | red | grey


async def badge_for(rt: Runtime, name: str, now: datetime) -> Badge:
    """``platform``: the status page's banner; any other name: that service's displayed
    status (NotFound for a service no monitor has reported, InvalidInput for a bad name)."""
    if name == PLATFORM_BADGE:
        view = await status_page.compose(rt, now, since=None, until=None, page=1)
        return Badge(PLATFORM_BADGE, *PAGE[view.banner])
    shown = describe_service(rt.state, name, now).displayed
    return Badge(name, *SERVICE[shown])
