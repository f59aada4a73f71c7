"""The public status in the shape of Atlassian Statuspage's public API (``/api/v2/*.json``),
so dashboards, aggregators and chat bots that read Statuspage pages read pitstop too.

Pure reads of the snapshot (and, for completed maintenance, the database); public data only:
window titles and descriptions, switches' public messages, never an operator's reason. The
rules that decide what a service displays and what the page's banner says are the status
page's (:mod:`pitstop.services.status_page`, :mod:`pitstop.services.service_status`); this
module only renames their answers into Statuspage's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pitstop.domain.branding import group_status
from pitstop.domain.lifecycle import Status
from pitstop.domain.state import NEUTRAL_PUBLIC_TEXT
from pitstop.domain.targets import PLATFORM
from pitstop.domain.windows import SEVERITY, Impact, WindowRules, in_progress
from pitstop.services import status_page
from pitstop.services.branding import page_branding
from pitstop.services.public_maintenance import PublicMaintenance, Scope, past_maintenance
from pitstop.services.runtime import Runtime
from pitstop.services.service_status import ServiceView, list_services
from pitstop.services.snapshot import Snapshot, WindowRecord
from pitstop.services.targets import target_state
from pitstop.services.updates import updates_for_page
from pitstop.storage import updates as updates_q
from pitstop.storage import windows as windows_q

PAGE_ID = "pitstop"
RECENT = 50  # Statuspage: "the 50 most recent scheduled maintenances"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# A service's displayed status (service_status.describe_service) in Statuspage's words.
# Statuspage has no "unknown": a service no monitor has reported yet is listed as operational
# (the status page shows "Unknown"; the README says so).
COMPONENT_STATUS = {"UP": "operational", "UNKNOWN": "operational",
                    "DEGRADED": "degraded_performance", "DOWN": "major_outage",
                    "MAINTENANCE": "under_maintenance"}
# The status page's banner (status_page.compose) as Statuspage's page indicator.
INDICATOR = {"operational": "none", "maintenance": "maintenance", "degraded": "minor",
             "outage": "major"}
IMPACT = {Impact.MAINTENANCE: "maintenance", Impact.DEGRADED: "minor", Impact.DOWN: "major"}
# The bodies Statuspage writes itself at each step of a scheduled maintenance.
SCHEDULED_TEXT = "{title} is scheduled."
IN_PROGRESS_TEXT = "Scheduled maintenance is currently in progress. We will provide updates " \
                   "as necessary."
COMPLETED_TEXT = "The scheduled maintenance has been completed."
CANCELLED_TEXT = "This scheduled maintenance has been cancelled."

Which = Literal["all", "upcoming", "active"]


@dataclass(frozen=True, slots=True)
class Update:
    """One incident_update of a maintenance: a lifecycle step, or (later) an operator's."""

    id: str
    status: str  # scheduled | in_progress | verifying | completed
    body: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Maintenance:
    """A public maintenance before it is shaped: a window occurrence or a switch."""

    id: str
    name: str
    status: str  # scheduled | in_progress | completed
    impact: str
    created_at: datetime
    scheduled_for: datetime
    scheduled_until: datetime  # a switch with no end set: now (it moves on with the time)
    resolved_at: datetime | None
    components: tuple[str, ...]  # service target ids
    updates: tuple[Update, ...]  # oldest first
    # Where operators' updates are read: the occurrence's id, the target of a switch that is
    # on; None for an ended switch (its target's updates now belong to the next one).
    subject: int | str | None


async def extra_updates(rt: Runtime, found: Sequence[Maintenance]) -> dict[str, list[Update]]:
    """The updates operators posted during each maintenance (``services.updates``), by
    maintenance id: where they join the lifecycle updates pitstop generates."""
    occurrences = [m.subject for m in found if isinstance(m.subject, int)]
    targets = [m.subject for m in found if isinstance(m.subject, str)]
    by_occurrence, by_target = await updates_for_page(rt, occurrences, targets)
    out: dict[str, list[Update]] = {}
    for m in found:
        posted = (by_occurrence.get(m.subject, []) if isinstance(m.subject, int)
                  else by_target.get(m.subject, []) if m.subject is not None else [])
        out[m.id] = [Update(f"{m.id}-update-{u.id}", u.status, u.body, u.created_at)
                     for u in posted]
    return out


def page(rt: Runtime, now: datetime, base: str) -> dict[str, Any]:
    """The page; ``base``: the public address links start with (no trailing slash)."""
    state = rt.state
    changes = [t.updated_at for t in state.targets.values() if t.kind != "node"] + [
        w.updated_at for w in state.windows.values() if w.public] + [
        o.updated_at for o in state.occurrences.values() if _is_public(state, o.times.window_id)]
    if state.page.updated_at is not None:
        changes.append(state.page.updated_at)
    return {"id": PAGE_ID, "name": page_branding(rt).title, "url": base + "/",
            "time_zone": "Etc/UTC", "updated_at": min(max(changes, default=EPOCH), now)}


async def status(rt: Runtime, now: datetime) -> dict[str, Any]:
    """The page's indicator and description: the status page's banner and headline."""
    view = await status_page.compose(rt, now, since=None, until=None, page=1)
    return {"indicator": INDICATOR[view.banner], "description": view.headline}


def components(rt: Runtime) -> list[dict[str, Any]]:
    """Every service, with the status the status page displays for it, in the page's
    order: each service group (Statuspage's group component: ``group: true``, its members'
    ids in ``components``, the most severe of their statuses) followed by its members
    (``group_id`` set), then the services in no group."""
    state = rt.state
    views = {view.record.id: view for view in list_services(state)}
    out: list[dict[str, Any]] = []
    for group in state.groups.groups:
        members = [views[s] for s in group.services if s in views]
        if not members:
            continue
        gid = f"group-{group.id}"
        shown = group_status(view.displayed for view in members)
        rows = [{**_component(view, 0, _changed_at(state, view)), "group_id": gid}
                for view in members]
        out.append({"id": gid, "name": group.name, "status": COMPONENT_STATUS[shown],
                    "created_at": min(r["created_at"] for r in rows),
                    "updated_at": max(r["updated_at"] for r in rows), "position": 0,
                    "description": None, "showcase": False, "start_date": None,
                    "group_id": None, "page_id": PAGE_ID, "group": True,
                    "only_show_if_degraded": False, "components": [r["id"] for r in rows]})
        out += rows
    grouped = state.groups.by_service
    out += [_component(view, 0, _changed_at(state, view))
            for view in views.values() if view.record.id not in grouped]
    for position, component in enumerate(out, start=1):
        component["position"] = position
    return out


async def scheduled_maintenances(rt: Runtime, now: datetime, which: Which, base: str
                                 ) -> list[dict[str, Any]]:
    """``upcoming``: scheduled, soonest first; ``active``: in progress, newest first;
    ``all``: the 50 most recent of every status (completed and cancelled too), newest
    first."""
    found = [m for m in _live(rt.state, now) if which == "all"
             or (m.status == "scheduled") == (which == "upcoming")]
    if which == "all":
        found += await _past(rt, now)
    if which == "upcoming":
        found.sort(key=lambda m: (m.scheduled_for, m.id))
    else:
        found.sort(key=lambda m: (m.scheduled_for, m.id), reverse=True)
    found = found[:RECENT]
    extra = await extra_updates(rt, found)
    shown = {c["id"]: c for c in components(rt)}
    return [_shape(m, extra.get(m.id, ()), shown, base + "/") for m in found]


async def summary(rt: Runtime, now: datetime, base: str) -> dict[str, Any]:
    """The page, its status, components, unresolved incidents (pitstop has none) and the
    maintenances that are in progress or scheduled."""
    active = await scheduled_maintenances(rt, now, "active", base)
    upcoming = await scheduled_maintenances(rt, now, "upcoming", base)
    return {"page": page(rt, now, base), "components": components(rt), "incidents": [],
            "scheduled_maintenances": active + upcoming, "status": await status(rt, now)}


def _is_public(state: Snapshot, window_id: int) -> bool:
    window = state.windows.get(window_id)
    return window is not None and window.public


def _changed_at(state: Snapshot, view: ServiceView) -> datetime:
    """When what the service displays last changed: its own record, or the start of a
    window occurrence or switch that affects it now (its record does not change then)."""
    times = [view.record.updated_at]
    for impact in view.impacts:
        if impact["kind"] == "window" and (o := state.occurrences.get(impact["occurrence"])):
            times.append(o.times.start)
        elif impact["kind"] == "switch" and (t := state.targets.get(impact["source"])) \
                and t.switch is not None:
            times.append(t.switch.since)
    return max(times)


def _component(view: ServiceView, position: int, updated_at: datetime) -> dict[str, Any]:
    record = view.record
    return {"id": record.id, "name": record.name,
            "status": COMPONENT_STATUS[view.displayed], "created_at": record.created_at,
            "updated_at": updated_at, "position": position, "description": None,
            "showcase": True, "start_date": None, "group_id": None, "page_id": PAGE_ID,
            "group": False, "only_show_if_degraded": False}


def _affected(state: Snapshot, rules: WindowRules) -> tuple[tuple[str, ...], str]:
    """The services a window affects, and its most severe impact on them (Statuspage's
    impact); a window that affects no service still says ``maintenance``."""
    hits = {t.id: hit[0] for t in state.targets.values() if t.kind == "service"
            and (hit := rules.impact_on(t.id, state.scope_labels(t.id))) is not None}
    worst = max(hits.values(), key=SEVERITY.__getitem__, default=Impact.MAINTENANCE)
    if not hits:  # a selector may name a service no monitor has reported yet
        worst = max((s.impact for s in rules.affects), key=SEVERITY.__getitem__,
                    default=Impact.MAINTENANCE)
    return tuple(sorted(hits)), IMPACT[worst]


def _live(state: Snapshot, now: datetime) -> list[Maintenance]:
    """Upcoming and ongoing occurrences of public windows (as the status page lists them),
    and the switches that are on over the platform or a service."""
    out = []
    for times, rules in state.live_pairs():
        window = state.windows.get(times.window_id)
        if window is None or not window.public:
            continue
        upcoming = times.start > now and times.status in (Status.SCHEDULED, Status.READY)
        if upcoming or in_progress(times, rules, now):
            out.append(_occurrence(state, window, times.id, times.start, times.end, None, now))
    return out + _switches(state, now)


async def _past(rt: Runtime, now: datetime) -> list[Maintenance]:
    """Completed and cancelled occurrences of public windows, and ended switch-based
    maintenance of the platform or a service (as the status page lists it)."""
    return await _past_occurrences(rt, now) + await _past_switches(rt, now)


async def _past_switches(rt: Runtime, now: datetime) -> list[Maintenance]:
    """An ended switch maintenance keeps the id it had while it was on (its target and the
    instant it went on), so a reader sees the same maintenance complete, with the updates
    operators posted while it lasted."""
    every = tuple(sorted(t.id for t in rt.state.targets.values() if t.kind == "service"))
    switches_only = Scope(window_ids=())  # the occurrences come from _past_occurrences
    ended = [(_switch_target(item), item, item.end) for item in await past_maintenance(
        rt, now, since=None, until=None, limit=RECENT, scope=switches_only)
        if item.end is not None]
    async with rt.db.read() as conn:
        rows = await updates_q.period_updates(
            conn=conn, periods=[(t, i.start, end) for t, i, end in ended])
    out = []
    for target, item, end in ended:
        mid = _switch_id(target, item.start)
        posted = tuple(Update(f"{mid}-update-{r['id']}", r["status"], r["body"],
                              r["created_at"]) for r in reversed(rows)
                       if r["target"] == target and item.start <= r["created_at"] <= end)
        steps = (Update(f"{mid}-in_progress", "in_progress", item.title, item.start),
                 *posted, Update(f"{mid}-completed", "completed", COMPLETED_TEXT, end))
        out.append(Maintenance(mid, item.title, "completed", IMPACT[Impact.MAINTENANCE],
                               item.start, item.start, end, end,
                               every if target == PLATFORM else (target,), steps, None))
    return out


def _switch_target(item: PublicMaintenance) -> str:
    what = item.affects[0]["what"] if item.affects else PLATFORM
    return PLATFORM if what == PLATFORM else f"service:{what}"


def _switch_id(target: str, since: datetime) -> str:
    return f"switch-{target.replace(':', '-')}-{int(since.timestamp())}"


async def _past_occurrences(rt: Runtime, now: datetime) -> list[Maintenance]:
    """Completed and cancelled occurrences of public windows, newest first."""
    async with rt.db.read() as conn:
        rows = await windows_q.past_public_occurrences(
            conn=conn, now=now, since=None, until=None, limit=RECENT, offset=0)
    out = []
    for row in rows:
        window = rt.state.windows.get(row["window_id"])
        if window is not None:  # a deleted window takes its occurrences with it
            out.append(_occurrence(rt.state, window, row["id"], row["start"], row["end"],
                                   row, now))
    return out


def _occurrence(state: Snapshot, window: WindowRecord, oid: int, start: datetime,
                end: datetime, past: Mapping[str, Any] | None, now: datetime) -> Maintenance:
    """A window occurrence. ``past``: its stored row once it is over (status COMPLETED or
    CANCELLED, or still ONGOING/READY/SCHEDULED while the scheduler has not caught up with
    an end that passed: completed, as the status page says)."""
    mid = f"occ-{oid}"
    services, impact = _affected(state, window.rules)
    scheduled = min(window.created_at, start)
    steps = [Update(f"{mid}-scheduled", "scheduled", window.description
                    or SCHEDULED_TEXT.format(title=window.title), scheduled)]
    cancelled_at = past["updated_at"] if past and past["status"] == "CANCELLED" else None
    started = start <= now and not (cancelled_at and cancelled_at < start)
    if started:
        steps.append(Update(f"{mid}-in_progress", "in_progress", IN_PROGRESS_TEXT, start))
    resolved = None
    if past is not None:
        resolved = cancelled_at or min(end, now)
        steps.append(Update(f"{mid}-completed", "completed",
                            CANCELLED_TEXT if cancelled_at else COMPLETED_TEXT, resolved))
    state_now = "completed" if past is not None else "in_progress" if started else "scheduled"
    return Maintenance(mid, window.title, state_now, impact, scheduled, start, end, resolved,
                       services, tuple(steps), oid)


def _switches(state: Snapshot, now: datetime) -> list[Maintenance]:
    """A switch that is on over the platform or a service, named by its public message
    (never its reason). Its id is its target and the instant it went on, so it stays the
    same for as long as the switch is on. Statuspage's readers expect an end: a switch with
    none set ends "now", which moves on with each answer until someone sets or ends it."""
    out = []
    every = tuple(sorted(t.id for t in state.targets.values() if t.kind == "service"))
    for target in (PLATFORM, *every):
        for cause in target_state(state, target, now).causes:
            if cause.kind != "switch" or cause.source != target:
                continue
            mid = _switch_id(target, cause.since)
            name = cause.public_message or NEUTRAL_PUBLIC_TEXT
            steps = (Update(f"{mid}-in_progress", "in_progress", name, cause.since),)
            out.append(Maintenance(mid, name, "in_progress", IMPACT[Impact.MAINTENANCE],
                                   cause.since, cause.since, cause.until or now, None,
                                   every if target == PLATFORM else (target,), steps, target))
    return out


def _shape(m: Maintenance, extra: Iterable[Update], shown: Mapping[str, dict[str, Any]],
           base: str) -> dict[str, Any]:
    steps = (*m.updates, *extra)  # at the same instant, the later step is the newer
    updates = [u for _, u in sorted(enumerate(steps), key=lambda p: (p[1].at, p[0]),
                                    reverse=True)]
    updated = max((u.at for u in updates), default=m.created_at)
    # An operator's "verifying" update moves a maintenance in progress on, as on Statuspage.
    status = "verifying" if m.status == "in_progress" and updates and \
        updates[0].status == "verifying" else m.status
    return {
        "id": m.id, "name": m.name, "status": status, "created_at": m.created_at,
        "updated_at": updated, "monitoring_at": None, "resolved_at": m.resolved_at,
        "impact": m.impact, "shortlink": f"{base}#{m.id}", "started_at": m.scheduled_for,
        "page_id": PAGE_ID,
        "incident_updates": [{"id": u.id, "status": u.status, "body": u.body,
                              "incident_id": m.id, "created_at": u.at, "updated_at": u.at,
                              "display_at": u.at, "affected_components": None,
                              "deliver_notifications": True, "custom_tweet": None,
                              "tweet_id": None} for u in updates],
        "components": [shown[c] for c in m.components if c in shown],
        "scheduled_for": m.scheduled_for, "scheduled_until": m.scheduled_until,
    }
