"""The public status page's content: the banner, services, ongoing, upcoming and past
maintenance, read from the snapshot (and, for the past, the database: window occurrences
and switch-based maintenance, see services/public_maintenance.py). Shaped for the
page's template and any other rendering of it; no HTML here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pitstop.domain.branding import group_status
from pitstop.domain.lifecycle import Status
from pitstop.domain.state import NEUTRAL_PUBLIC_TEXT, public_text
from pitstop.domain.targets import PLATFORM
from pitstop.domain.windows import in_progress
from pitstop.services.branding import PageBranding, page_branding
from pitstop.services.public_maintenance import (
    PublicMaintenance,
    affects_text,
    past_maintenance,
)
from pitstop.services.runtime import Runtime
from pitstop.services.service_status import list_services
from pitstop.services.snapshot import Snapshot, WindowRecord
from pitstop.services.targets import target_state
from pitstop.services.updates import UpdateRecord, updates_for_page

PAST_PAGE = 10


def N_(message: str) -> str:
    """Marks a headline for the catalogue (web/i18n.py); the page translates it."""
    return message

UPCOMING = 10


@dataclass
class StatusPage:
    banner: str  # operational | maintenance | degraded | outage
    headline: str
    reason: str | None
    since: datetime | None
    until: datetime | None
    services: list[dict[str, Any]]
    ongoing: list[dict[str, Any]]
    upcoming: list[dict[str, Any]]
    past: list[PublicMaintenance]  # both kinds: window occurrences and switch periods
    past_page: int
    past_more: bool
    filters: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    branding: PageBranding | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)  # with their services' rows


def _occurrence(times: Any, window: WindowRecord, now: datetime) -> dict[str, Any]:
    total = (times.end - times.start).total_seconds()
    done = min(max((now - times.start).total_seconds(), 0.0), total)
    return {"kind": "window", "window": window.id, "occurrence": times.id, "title": window.title,
            "description": window.description, "start": times.start, "end": times.end,
            "status": str(times.status), "timezone": window.timezone,
            "progress": round(100 * done / total) if total else 100,
            "affects": affects_text(window.affects)}


def _banner(platform: Any, services: list[dict[str, Any]], ongoing: list[dict[str, Any]],
            public: dict[int, Any]) -> tuple[str, str]:
    causes = [c for c in platform.causes if c.kind == "switch" or c.window in public]
    displayed = {s["displayed"] for s in services}
    if "DOWN" in displayed and not (causes or ongoing):
        return "outage", N_("Partial outage")
    if causes or ongoing or "MAINTENANCE" in displayed:
        return "maintenance", N_("Maintenance in progress")
    if "DEGRADED" in displayed:
        return "degraded", N_("Some services are degraded")
    return "operational", N_("All systems operational")


async def compose(rt: Runtime, now: datetime, *, since: datetime | None,
                      until: datetime | None, page: int) -> StatusPage:
    state = rt.state
    platform = target_state(state, PLATFORM, now)
    services = [s.to_json() for s in list_services(state)]
    public = {wid: w for wid, w in state.windows.items() if w.public}
    ongoing, upcoming = [], []
    for times, rules in state.live_pairs():
        window = public.get(times.window_id)
        if window is None:
            continue
        if in_progress(times, rules, now):
            ongoing.append(_occurrence(times, window, now))
        elif times.start > now and times.status in (Status.SCHEDULED, Status.READY):
            upcoming.append(_occurrence(times, window, now))
    past = await past_maintenance(rt, now, since=since, until=until, limit=PAST_PAGE + 1,
                                  offset=(page - 1) * PAST_PAGE)
    upcoming = _by_window(upcoming)[:UPCOMING]
    switched = [PLATFORM, *(s["target"] for s in services)]
    by_occ, by_target = await updates_for_page(
        rt, [o["occurrence"] for o in [*ongoing, *upcoming]], switched)
    for o in [*ongoing, *upcoming]:
        o["updates"] = _timeline(by_occ.get(o["occurrence"], []))
    cards = [{**card, "updates": _timeline(by_target.get(card["target"], []))}
             for card in _switch_cards(rt.state, switched, now)]
    causes = [c for c in platform.causes if c.kind == "switch" or c.window in public]
    banner, headline = _banner(platform, services, ongoing, public)
    if not causes and ongoing:
        reason, since_at, until_at = ongoing[0]["title"], ongoing[0]["start"], ongoing[0]["end"]
    else:  # the public message only: an operator's reason is not for the public
        reason = public_text(causes, public)
        reason = None if reason == NEUTRAL_PUBLIC_TEXT else reason  # the headline says it
        since_at, until_at = (causes[0].since, causes[0].until) if causes else (None, None)
    groups, ungrouped = _grouped(rt, [_service_row(s) for s in services])
    return StatusPage(banner, headline, reason, since_at, until_at, ungrouped,
                      sorted([*ongoing, *cards], key=lambda o: o["start"]),
                      upcoming, past[:PAST_PAGE], page, len(past) > PAST_PAGE,
                      branding=page_branding(rt), groups=groups)


def _switch_cards(state: Snapshot, targets: list[str], now: datetime) -> list[dict[str, Any]]:
    """A card under "Ongoing" for each switch that is on over the platform or a service:
    its public message (None: the page says "Maintenance"), since, until if set, what it
    affects. Its updates are the target's (the timeline a window's card has)."""
    cards = []
    for target in targets:
        for cause in target_state(state, target, now).causes:
            if cause.kind != "switch" or cause.source != target:
                continue
            until = cause.until
            total = (until - cause.since).total_seconds() if until else 0
            done = min(max((now - cause.since).total_seconds(), 0.0), total)
            cards.append({"kind": "switch", "target": target, "title": cause.public_message,
                          "description": "", "start": cause.since, "end": until,
                          "progress": round(100 * done / total) if total else None,
                          "affects": ({"what": target.removeprefix("service:"),
                                       "impact": "MAINTENANCE"},)})
    return cards


def _grouped(rt: Runtime, rows: list[dict[str, Any]]
             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The groups that have services (in their order, each with its members' rows and
    the most severe of their statuses), and the services in no group."""
    by_name = {r["name"]: r for r in rows}
    groups, placed = [], set()
    for group in rt.state.groups.groups:
        members = [by_name[n] for s in group.services
                   if (n := s.removeprefix("service:")) in by_name]
        if members:
            placed.update(m["name"] for m in members)
            groups.append({"id": group.id, "name": group.name, "services": members,
                           "status": group_status(m["displayed"] for m in members)})
    return groups, [r for r in rows if r["name"] not in placed]


def _timeline(updates: list[UpdateRecord]) -> list[dict[str, Any]]:
    """An update as the page shows it (newest first, as given): its phase, its time, its
    text rendered safely (the operator's name is not for the public)."""
    return [{"id": u.id, "status": u.status, "at": u.created_at, "html": u.html}
            for u in updates]


def _by_window(upcoming: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One card per window: its next occurrence, with the ones after it as ``later`` (a
    daily window would otherwise fill the page with seven identical cards)."""
    cards: dict[int, dict[str, Any]] = {}
    for o in sorted(upcoming, key=lambda o: o["start"]):
        card = cards.get(o["window"])
        if card is None:
            cards[o["window"]] = {**o, "later": []}
        else:
            card["later"].append({"start": o["start"], "end": o["end"]})
    return list(cards.values())


def _service_row(view: dict[str, Any]) -> dict[str, Any]:
    realtime = view["realtime"]["status"] if view["realtime"] else "UNKNOWN"
    return {"name": view["name"], "displayed": view["displayed"], "realtime": realtime,
            "in_maintenance": any(i["impact"] == "MAINTENANCE" or i["kind"] == "window"
                                  for i in view["impacts"]),
            "message": view["realtime"]["message"] if view["realtime"] else None}
