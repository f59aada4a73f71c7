"""The public page's branding and service groups, as services/branding.py gives them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pitstop.api.models.common import Shape


class Branding(Shape):
    title: str = Field(description="the page's title (header, <title>, feeds, the "
                       "Statuspage-compatible API)")
    accent: str = Field(description="the accent colour, a CSS hex colour")
    about: str = Field(description="a short plain text under the title ('' for none)")
    logo_url: str | None = Field(description="where the page serves its logo; null: none")
    public_url: str | None = Field(description="PITSTOP_PUBLIC_URL (set in the environment)")
    overridden: list[Literal["title", "accent", "about", "logo"]] = Field(
        description="the fields an admin set; the others are the environment's defaults")


class ServiceGroup(Shape):
    id: int = Field(description="stable while the group keeps its name; the "
                    "Statuspage-compatible API's group component is group-<id>")
    name: str
    position: int = Field(description="the group's place on the page, from 0")
    services: list[str] = Field(description="service names, in the order the page shows them")


class ServiceGroupList(Shape):
    items: list[ServiceGroup] = Field(description="in position order")
