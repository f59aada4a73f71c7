"""Notification messages: what a person reads in Slack or an email, and what a webhook gets.

Every message names the window, what it affects and how, and gives its times in the window's
own zone with the zone named, then in UTC. A maintenance switch has no zone: UTC only.
These are operators' (English); what public subscribers read, in their language, is
``services.public_messages``'s, carried beside them (``Notification.public``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pitstop.domain.notifications import STATUS_KINDS, Notification
from pitstop.services.events import Event
from pitstop.services.markdown import render
from pitstop.services.public_messages import in_languages, update_message, window_message
from pitstop.services.records import iso_z
from pitstop.services.snapshot import OccurrenceRecord, TargetRecord, WindowRecord
from pitstop.services.window_views import iso_duration, local_iso

HEADLINES = {
    "scheduled": "Scheduled", "reminder": "Reminder",
    "starting_soon": "Starting soon", "in_progress": "In progress",
    "completed": "Completed", "cancelled": "Cancelled", "rescheduled": "Rescheduled",
}


def _stamp(at: datetime, zone: Any) -> str:
    local = at.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"


def when_text(start: datetime, end: datetime, window: WindowRecord) -> str:
    """'Sun 29 Mar 2026 03:30 CEST – Sun 29 Mar 2026 05:30 CEST (Europe/Berlin);
    Sun 29 Mar 2026 01:30 UTC – ... UTC'."""
    tz = window.series.tz
    local = f"{_stamp(start, tz)} – {_stamp(end, tz)} ({window.timezone})"
    if window.timezone == "UTC":
        return local
    return f"{local}; {_stamp(start, UTC)} – {_stamp(end, UTC)}"


def _affects(window: WindowRecord) -> list[str]:
    out = []
    for sel in window.affects:
        what = sel.target if sel.target is not None else "labels " + ", ".join(
            f"{k}={v}" for k, v in sel.labels or ())
        out.append(f"{what} ({sel.impact})")
    return out


def _lead_text(lead: timedelta) -> str:
    seconds = int(lead.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def occurrence_note(kind: str, event: Event, window: WindowRecord) -> Notification:
    """The notification for an occurrence event of ``kind``."""
    occ: OccurrenceRecord = event.payload
    t = occ.times
    lines = [_first_line(kind, event, window)]
    lines.append(f"When: {when_text(t.start, t.end, window)}")
    if kind == "rescheduled" and "was_start" in event.data:
        was_start, was_end = event.data["was_start"], event.data["was_end"]
        lines.append(f"Was: {when_text(was_start, was_end, window)}")
    lines.append("Affects: " + "; ".join(_affects(window)))
    if window.description:
        lines.append("")
        lines.append(window.description)
    message = {
        "kind": kind, "title": f"{HEADLINES[kind]}: {window.title}", "text": "\n".join(lines),
        "event": {"id": event.id, "type": event.type, "at": iso_z(event.at)},
        "late": bool(event.data.get("late")),
        "window": {"id": window.id, "title": window.title, "description": window.description,
                   "timezone": window.timezone, "gates_work": window.gates_work},
        "occurrence": {"id": t.id, "status": str(t.status), "start": iso_z(t.start),
                       "end": iso_z(t.end), "start_local": local_iso(t.start, window),
                       "end_local": local_iso(t.end, window)},
        "affects": [sel.to_json() for sel in window.affects],
    }
    if kind == "reminder":
        message["lead"] = iso_duration(timedelta(seconds=event.data["lead_s"]))
    public = in_languages(lambda lang: window_message(kind, event, window, occ, lang)) \
        if window.public else None
    return Notification(
        kind=kind, dedupe_key=_occurrence_key(kind, event), subject=f"window:{window.id}",
        message=message, public=public,
        window_id=window.id,
        targets=tuple(s.target for s in window.affects if s.target is not None),
        label_selectors=tuple(s.labels for s in window.affects if s.labels is not None))


def scheduled_note(event: Event, window: WindowRecord, first: OccurrenceRecord | None
                   ) -> Notification:
    """The notification for a new window (with its first occurrence, when it has one)."""
    lines = [f"{window.title} is scheduled."]
    occurrence: dict[str, Any] = {}
    if first is not None:
        t = first.times
        lines.append(f"When: {when_text(t.start, t.end, window)}")
        occurrence = {"id": t.id, "status": str(t.status), "start": iso_z(t.start),
                      "end": iso_z(t.end)}
    lines.append("Affects: " + "; ".join(_affects(window)))
    message = {"kind": "scheduled", "title": f"Scheduled: {window.title}",
               "text": "\n".join(lines),
               "event": {"id": event.id, "type": event.type, "at": iso_z(event.at)},
               "window": {"id": window.id, "title": window.title,
                          "description": window.description, "timezone": window.timezone,
                          "gates_work": window.gates_work},
               "occurrence": occurrence, "affects": [sel.to_json() for sel in window.affects]}
    public = in_languages(lambda lang: window_message("scheduled", event, window, first,
                                                      lang)) if window.public else None
    return Notification(
        kind="scheduled", dedupe_key=f"window:{window.id}:scheduled", subject=f"window:{window.id}",
        message=message, public=public, window_id=window.id,
        targets=tuple(s.target for s in window.affects if s.target is not None),
        label_selectors=tuple(s.labels for s in window.affects if s.labels is not None))


def _first_line(kind: str, event: Event, window: WindowRecord) -> str:
    title = window.title
    if kind == "reminder":
        return f"{title} starts in {_lead_text(timedelta(seconds=event.data['lead_s']))}."
    late = " (recorded late: pitstop was not running at its boundary)" \
        if event.data.get("late") else ""
    return {
        "starting_soon": f"{title} starts soon.",
        "in_progress": f"{title} is in progress.{late}",
        "completed": f"{title} is over.{late}",
        "cancelled": f"{title} was cancelled.",
        "rescheduled": f"{title} was moved to a new time.",
    }[kind]


def _occurrence_key(kind: str, event: Event) -> str:
    # By window and recurrence id, not occurrence id: an edit that regenerates an unstarted
    # occurrence must not remind twice of the same start.
    t = event.payload.times
    key = f"window:{t.window_id}:{iso_z(t.recurrence_id)}:{kind}:{iso_z(t.start)}"
    if kind == "rescheduled":
        return f"{key}:{iso_z(t.end)}"
    if kind == "reminder":
        return f"{key}:{event.data['lead_s']}"
    return key


def switch_note(kind: str, event: Event) -> Notification:
    """The notification for a maintenance switch turned on or off."""
    record: TargetRecord = event.payload
    target, data = event.target or record.id, event.data
    if kind == "maintenance_entered":
        expires = record.switch.expires_at if record.switch else None
        title = f"Maintenance started: {target}"
        lines = [f"{target} is in maintenance since {_stamp(event.at, UTC)}.",
                 f"Reason: {data.get('reason')}", f"By: {data.get('actor')}",
                 f"Ends: {_stamp(expires, UTC) if expires else 'when someone ends it'}"]
    else:
        title = f"Maintenance ended: {target}"
        lines = [f"{target} left maintenance at {_stamp(event.at, UTC)}.",
                 f"Reason: {data.get('reason')}", f"By: {data.get('actor')}"]
    message = {"kind": kind, "title": title, "text": "\n".join(lines), "target": target,
               "reason": data.get("reason"), "actor": data.get("actor"),
               "event": {"id": event.id, "type": event.type, "at": iso_z(event.at)}}
    return Notification(kind=kind, dedupe_key=f"maintenance:{target}:{kind}:{event.id}",
                        subject=f"target:{target}", message=message, targets=(target,))


PHASES = {"scheduled": "Scheduled", "in_progress": "In progress", "verifying": "Verifying",
          "completed": "Completed"}


def update_note(event: Event, window: WindowRecord | None) -> Notification:
    """The notification for an update posted to an occurrence of ``window``, or (without
    a window) to a target's switch maintenance. ``text`` is the update's own text (its
    markdown source); ``html`` is it rendered safely."""
    data = event.data
    about = window.title if window is not None else str(event.target)
    lines = [f"Update on {about} ({PHASES.get(data['status'], data['status'])}), "
             f"{_stamp(event.at, UTC)}:", "", data["body"]]
    message: dict[str, Any] = {
        "kind": "maintenance_update", "title": f"Update: {about}", "text": "\n".join(lines),
        "event": {"id": event.id, "type": event.type, "at": iso_z(event.at)},
        "update": {"id": data["update"], "status": data["status"], "body": data["body"],
                   "html": render(data["body"]), "actor": data["actor"],
                   "created_at": iso_z(event.at)}}
    def public() -> dict[str, dict[str, Any]]:
        return in_languages(lambda lang: update_message(event, window, lang))

    if window is None:
        target = str(event.target)
        message["target"] = target
        shown = target == "platform" or target.startswith("service:")
        return Notification(kind="maintenance_update", dedupe_key=f"update:{data['update']}",
                            subject=f"target:{target}", message=message, targets=(target,),
                            public=public() if shown else None)
    message["window"] = {"id": window.id, "title": window.title, "timezone": window.timezone}
    message["occurrence"] = {"id": data["occurrence"]}
    message["affects"] = [sel.to_json() for sel in window.affects]
    return Notification(
        kind="maintenance_update", dedupe_key=f"update:{data['update']}",
        subject=f"window:{window.id}", message=message, window_id=window.id,
        public=public() if window.public else None,
        targets=tuple(s.target for s in window.affects if s.target is not None),
        label_selectors=tuple(s.labels for s in window.affects if s.labels is not None))


def kind_of(event: Event) -> str | None:
    """The notification kind an event reports, or None."""
    if event.type == "maintenance.entered":
        return "maintenance_entered"
    if event.type == "maintenance.exited":
        return "maintenance_exited"
    if event.type == "window.created":
        return "scheduled"
    if event.type == "occurrence.moved":
        return "rescheduled"
    if event.type == "occurrence.reminder":
        return "reminder"
    if event.type == "maintenance_update.posted":
        return "maintenance_update"
    if event.type == "occurrence.transitioned":
        return STATUS_KINDS.get(str(event.data.get("status")))
    return None


def channel_test_message(channel_name: str, now: datetime) -> dict[str, Any]:
    return {"kind": "test", "title": "pitstop test notification",
            "text": f"This is a test from pitstop to the channel {channel_name!r}, sent "
                    f"{_stamp(now, UTC)}. If you can read it, the channel works.",
            "event": None}

