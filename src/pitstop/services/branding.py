"""The public page's branding (title, accent colour, about text, logo) and its service
groups: what the page, feeds, the Statuspage-compatible API and the embed read (from the
snapshot, never the database per request), and the admin's changes to them (audited,
published as ``branding.updated`` / ``service_groups.updated`` so every replica and open
page refreshes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pitstop import clock
from pitstop.domain.branding import (
    logo_type,
    validate_about,
    validate_accent,
    validate_groups,
    validate_title,
)
from pitstop.errors import InvalidInput
from pitstop.services.events import Event
from pitstop.services.page_records import (
    Logo,
    ServiceGroup,
    groups_from_rows,
    overrides_from_rows,
)
from pitstop.services.runtime import Runtime
from pitstop.storage import branding as branding_q

BRANDING_EVENT = "branding.updated"
GROUPS_EVENT = "service_groups.updated"
LOGO_URL = "/branding/logo"
FIELDS = ("title", "accent", "about")


@dataclass(frozen=True, slots=True)
class PageBranding:
    """What the public side shows: the admin's settings over the environment's."""

    title: str
    accent: str
    about: str
    logo_url: str | None  # versioned by the logo's ETag, so a new logo is fetched at once
    public_url: str | None
    overridden: tuple[str, ...]  # which fields an admin set (the rest are the defaults)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "accent": self.accent, "about": self.about,
                "logo_url": self.logo_url, "public_url": self.public_url,
                "overridden": list(self.overridden)}


def page_branding(rt: Runtime) -> PageBranding:
    settings, page = rt.settings, rt.state.page
    logo = page.logo
    return PageBranding(
        title=page.title if page.title is not None else settings.page_title,
        accent=page.accent if page.accent is not None else settings.page_accent.lower(),
        about=page.about if page.about is not None else settings.page_about,
        logo_url=f"{LOGO_URL}?v={logo.etag.strip(chr(34))[:12]}" if logo else None,
        public_url=settings.public_url,
        overridden=tuple(f for f in (*FIELDS, "logo") if getattr(page, f) is not None))


def page_logo(rt: Runtime) -> Logo | None:
    return rt.state.page.logo


def _check(changes: dict[str, str | None]) -> dict[str, str | None]:
    """Each given field validated; ``None`` (or, for the title and accent, empty) resets
    it to its default."""
    rules = {"title": validate_title, "accent": validate_accent, "about": validate_about}
    out: dict[str, str | None] = {}
    for key, value in changes.items():
        if key not in rules:
            raise InvalidInput(f"unknown setting {key!r}; known: {', '.join(FIELDS)}",
                               field=key)
        blank = value is None or (key != "about" and not value.strip())
        out[key] = None if blank else rules[key](value)  # type: ignore[arg-type]
    return out


async def update_branding(*, rt: Runtime, changes: dict[str, str | None], actor: str
                          ) -> PageBranding:
    """Set the given fields (title, accent, about); a field set to null goes back to its
    default. All are checked before anything is stored."""
    checked = _check(changes)
    await _save(rt, {k: (v, None) for k, v in checked.items()},
                {k: v for k, v in checked.items()}, actor)
    return page_branding(rt)


async def set_logo(*, rt: Runtime, data: bytes, actor: str) -> PageBranding:
    media_type = logo_type(data)
    await _save(rt, {"logo": (media_type, data)},
                {"logo": {"type": media_type, "bytes": len(data)}}, actor)
    return page_branding(rt)


async def remove_logo(*, rt: Runtime, actor: str) -> PageBranding:
    await _save(rt, {"logo": (None, None)}, {"logo": None}, actor)
    return page_branding(rt)


async def _save(rt: Runtime, values: dict[str, tuple[Any, Any]], after: dict[str, Any],
                actor: str) -> None:
    now = clock.now()
    before = page_branding(rt)
    async with rt.db.write() as conn:
        await branding_q.put_page_settings(conn=conn, values=values, at=now, by=actor)
        overrides = overrides_from_rows(await branding_q.list_page_settings(conn=conn))
        events = await rt.eventlog.record_change(
            conn, Event(BRANDING_EVENT, None, now, {"changed": sorted(after)}, overrides),
            actor=actor,
            details={"before": {k: getattr(before, k, None) for k in after if k != "logo"},
                     "after": after})
    rt.publish(events)


def list_groups(rt: Runtime) -> list[ServiceGroup]:
    return list(rt.state.groups.groups)


def service_grouping(rt: Runtime) -> tuple[list[ServiceGroup], list[str]]:
    """The groups in page order, and the names of the services in none of them (in the
    order of the services list): what the page shows ungrouped, after the groups."""
    groups = list_groups(rt)
    grouped = {name for g in groups for name in g.to_json()["services"]}
    ungrouped = [r.name for r in sorted(rt.state.targets.values(), key=lambda r: r.id)
                 if r.kind == "service" and r.name not in grouped]
    return groups, ungrouped


async def replace_groups(*, rt: Runtime, groups: Sequence[tuple[str, Sequence[str]]],
                         actor: str) -> list[ServiceGroup]:
    """Replace every group, in the given order, each with its services (names of known
    services). A group keeps its id while its name stays the same."""
    checked = validate_groups(groups)
    known = {r.name for r in rt.state.targets.values() if r.kind == "service"}
    for i, (_, services) in enumerate(checked):
        unknown = [s for s in services if s not in known]
        if unknown:
            raise InvalidInput(f"no service is named {unknown[0]!r}; a service exists once "
                               "its monitor reports it", field=f"groups.{i}.services")
    now = clock.now()
    async with rt.db.write() as conn:
        await branding_q.lock_groups(conn=conn)
        old_rows, _ = await branding_q.list_groups(conn=conn)
        ids = {r["name"]: r["id"] for r in old_rows}
        next_id = max(ids.values(), default=0) + 1
        rows, members = [], []
        for position, (name, services) in enumerate(checked):
            if name not in ids:
                ids[name], next_id = next_id, next_id + 1
            rows.append({"id": ids[name], "name": name, "position": position})
            members += [{"service": f"service:{s}", "group_id": ids[name], "position": p}
                        for p, s in enumerate(services)]
        await branding_q.replace_groups(conn=conn, groups=rows, members=members)
        result = groups_from_rows(*await branding_q.list_groups(conn=conn))
        events = await rt.eventlog.record_change(
            conn, Event(GROUPS_EVENT, None, now, {"groups": len(result.groups)}, result),
            actor=actor, details={"before": [g.to_json() for g in rt.state.groups.groups],
                                  "after": [g.to_json() for g in result.groups]})
    rt.publish(events)
    return list(result.groups)
