"""What an admin set for the public page, as the snapshot holds it: the branding over the
environment's defaults, the logo, and the service groups. Plain records, no I/O."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Logo:
    media_type: str  # image/png | image/jpeg | image/webp
    data: bytes
    updated_at: datetime

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.data).hexdigest()[:32] + '"'


@dataclass(frozen=True, slots=True)
class PageOverrides:
    """The settings an admin changed in the console; ``None`` means the default applies."""

    title: str | None = None
    accent: str | None = None
    about: str | None = None
    logo: Logo | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ServiceGroup:
    id: int
    name: str
    position: int
    services: tuple[str, ...]  # target ids, in the order the page shows them

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "position": self.position,
                "services": [s.removeprefix("service:") for s in self.services]}


@dataclass(frozen=True, slots=True)
class ServiceGroups:
    groups: tuple[ServiceGroup, ...] = ()
    by_service: dict[str, int] = field(default_factory=dict)  # target id -> group id

    @classmethod
    def of(cls, groups: tuple[ServiceGroup, ...]) -> ServiceGroups:
        return cls(groups, {s: g.id for g in groups for s in g.services})


def overrides_from_rows(rows: list[Any]) -> PageOverrides:
    values = {r["key"]: r for r in rows}
    logo = values.get("logo")
    return PageOverrides(
        title=_value(values, "title"), accent=_value(values, "accent"),
        about=_value(values, "about"),
        logo=Logo(logo["value"], bytes(logo["blob"]), logo["updated_at"])
        if logo is not None and logo["blob"] is not None else None,
        updated_at=max((r["updated_at"] for r in rows), default=None))


def _value(values: dict[str, Any], key: str) -> str | None:
    row = values.get(key)
    return row["value"] if row is not None else None


def groups_from_rows(group_rows: list[Any], member_rows: list[Any]) -> ServiceGroups:
    members: dict[int, list[str]] = {}
    for m in member_rows:
        members.setdefault(m["group_id"], []).append(m["service"])
    return ServiceGroups.of(tuple(
        ServiceGroup(g["id"], g["name"], g["position"], tuple(members.get(g["id"], ())))
        for g in group_rows))
