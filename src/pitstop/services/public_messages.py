"""What public subscribers read, in their language: the mails and posts about public windows
and switch maintenance, and the confirmation and welcome of a subscription.

Public text only (a window's title, description, times and the services it affects; an
update's text; never a reason, an actor or a node). Each message is built once per language
(``in_languages``) when its notification is written to the outbox, and each subscriber's row
gets the one in their language (``services.outbox``). Times are in the window's own zone
with the zone named, then in UTC, in the language's format (``pitstop.i18n.zoned_text``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pitstop.i18n import LANGUAGES, negotiate, translations, zoned_text
from pitstop.services.events import Event
from pitstop.services.markdown import render
from pitstop.services.records import iso_z
from pitstop.services.snapshot import OccurrenceRecord, WindowRecord

Message = dict[str, Any]


def in_languages(build: Callable[[str], Message]) -> dict[str, Message]:
    """``build`` in each of our languages, by language code."""
    return {lang: build(lang) | {"language": lang} for lang in LANGUAGES}


def _titles(lang: str) -> dict[str, str]:
    _ = translations(lang).gettext
    return {"scheduled": _("Scheduled: %(title)s"), "reminder": _("Reminder: %(title)s"),
            "starting_soon": _("Starting soon: %(title)s"),
            "in_progress": _("In progress: %(title)s"), "completed": _("Completed: %(title)s"),
            "cancelled": _("Cancelled: %(title)s"), "rescheduled": _("Rescheduled: %(title)s")}


def _first_line(kind: str, event: Event, title: str, lang: str) -> str:
    _ = translations(lang).gettext
    if kind == "reminder":
        lead = lead_text(timedelta(seconds=event.data["lead_s"]), lang)
        return _("%(title)s starts in %(lead)s.") % {"title": title, "lead": lead}
    line = {"scheduled": _("%(title)s is scheduled."),
            "starting_soon": _("%(title)s starts soon."),
            "in_progress": _("%(title)s is in progress."),
            "completed": _("%(title)s is over."),
            "cancelled": _("%(title)s was cancelled."),
            "rescheduled": _("%(title)s was moved to a new time.")}[kind] % {"title": title}
    if event.data.get("late") and kind in ("in_progress", "completed"):
        line += " " + _("(Recorded late: the maintenance server was not running then.)")
    return line


def lead_text(lead: timedelta, lang: str) -> str:
    """``2 days``, ``1 hour``, ``30 Minuten``: the largest whole unit."""
    t = translations(lang)
    seconds = int(lead.total_seconds())
    if seconds >= 86400 and seconds % 86400 == 0:
        n = seconds // 86400
        return t.ngettext("%(num)d day", "%(num)d days", n) % {"num": n}
    if seconds >= 3600 and seconds % 3600 == 0:
        n = seconds // 3600
        return t.ngettext("%(num)d hour", "%(num)d hours", n) % {"num": n}
    if seconds >= 60 and seconds % 60 == 0:
        n = seconds // 60
        return t.ngettext("%(num)d minute", "%(num)d minutes", n) % {"num": n}
    return t.ngettext("%(num)d second", "%(num)d seconds", seconds) % {"num": seconds}


def when_text(start: datetime, end: datetime, window: WindowRecord, lang: str) -> str:
    """``Sun, Mar 29, 2026, 03:30 CEST – Sun, Mar 29, 2026, 05:30 CEST (Europe/Berlin);
    Sun, Mar 29, 2026, 01:30 UTC – …``, in ``lang``'s format."""
    tz = window.series.tz
    local = (f"{zoned_text(start, tz, lang)} – {zoned_text(end, tz, lang)} "
             f"({window.timezone})")
    if window.timezone == "UTC":
        return local
    return f"{local}; {zoned_text(start, UTC, lang)} – {zoned_text(end, UTC, lang)}"


def public_services(window: WindowRecord) -> list[str]:
    return [sel.target.partition(":")[2] for sel in window.affects
            if sel.target is not None and sel.target.startswith("service:")]


def _event(event: Event) -> dict[str, Any]:
    return {"id": event.id, "type": event.type, "at": iso_z(event.at)}


def window_message(kind: str, event: Event, window: WindowRecord,
                   occurrence: OccurrenceRecord | None, lang: str) -> Message:
    """A public window's news of ``kind`` (scheduled, reminder, starting_soon, …):
    its title, times, the services it affects, its description."""
    _ = translations(lang).gettext
    lines = [_first_line(kind, event, window.title, lang)]
    occ: dict[str, Any] = {}
    if occurrence is not None:
        t = occurrence.times
        lines.append(_("When: %(when)s") % {"when": when_text(t.start, t.end, window, lang)})
        if kind == "rescheduled" and "was_start" in event.data:
            was = when_text(event.data["was_start"], event.data["was_end"], window, lang)
            lines.append(_("Was: %(when)s") % {"when": was})
        occ = {"id": t.id, "status": str(t.status), "start": iso_z(t.start),
               "end": iso_z(t.end)}
    services = public_services(window)
    if services:
        lines.append(_("Affects: %(services)s") % {"services": ", ".join(services)})
    if window.description:
        lines += ["", window.description]
    return {"kind": kind, "title": _titles(lang)[kind] % {"title": window.title},
            "text": "\n".join(lines), "event": _event(event),
            "window": {"id": window.id, "title": window.title,
                       "description": window.description, "timezone": window.timezone},
            "occurrence": occ, "services": services}


def _phase(status: str, lang: str) -> str:
    _ = translations(lang).gettext
    return {"scheduled": _("Scheduled"), "in_progress": _("In progress"),
            "verifying": _("Verifying"), "completed": _("Completed")}.get(status, status)


def update_message(event: Event, window: WindowRecord | None, lang: str) -> Message:
    """An operator's update on a public window's occurrence, or (``window`` None) on the
    switch maintenance of the platform or a service: its phase, time and text."""
    _ = translations(lang).gettext
    data = event.data
    about = window.title if window is not None else \
        str(event.target).removeprefix("service:")
    head = _("Update on %(about)s (%(phase)s), %(at)s:") % {
        "about": about, "phase": _phase(data["status"], lang),
        "at": zoned_text(event.at, UTC, lang)}
    message: Message = {
        "kind": "maintenance_update", "title": _("Update: %(about)s") % {"about": about},
        "text": "\n".join([head, "", data["body"]]), "event": _event(event),
        "update": {"id": data["update"], "status": data["status"], "body": data["body"],
                   "html": render(data["body"]), "created_at": iso_z(event.at)}}
    if window is None:
        return message | {"target": str(event.target)}
    return message | {"window": {"id": window.id, "title": window.title},
                      "occurrence": {"id": data["occurrence"]},
                      "services": public_services(window)}


def _scope(services: Sequence[str] | None, lang: str) -> str:
    _ = translations(lang).gettext
    if services is None:
        return _("all maintenance")
    return _("services: %(services)s") % {"services": ", ".join(services)}


def confirmation_message(*, services: Sequence[str] | None, hours: int, link: str,
                         lang: str | None) -> Message:
    """The one mail an address gets before it confirms: the link that confirms it."""
    lang = negotiate(lang)
    _ = translations(lang).gettext
    text = _("Someone (hopefully you) asked for maintenance notices at this address "
             "(%(scope)s). To confirm, open this link within %(hours)d hours. If it was "
             "not you, ignore this mail: you will get nothing else.") % {
        "scope": _scope(services, lang), "hours": hours}
    return {"kind": "subscriber_confirm", "language": lang, "link": link, "event": None,
            "title": _("Confirm your subscription to maintenance notices"), "text": text}


def welcome_message(*, kind: str, subscriber: str, services: Sequence[str] | None,
                    unsubscribe_url: str | None, lang: str | None) -> Message:
    """The first mail (or POST) of a confirmed subscriber."""
    lang = negotiate(lang)
    _ = translations(lang).gettext
    text = _("You are subscribed to maintenance notices (%(scope)s).") % {
        "scope": _scope(services, lang)}
    if kind == "webhook":
        text += " " + _("To stop them, POST to the unsubscribe url.")
    return {"kind": "subscribed", "language": lang, "event": None,
            "title": _("Subscribed to maintenance notices"), "text": text,
            "subscriber": subscriber,
            "services": None if services is None else list(services),
            "unsubscribe_url": unsubscribe_url}
