"""Rules for the public page's branding and its service groups. Pure: no I/O.

The logo is an image the page serves itself: PNG, JPEG or WebP only, recognised by its
first bytes (not by what the uploader says it is). SVG is refused: it can carry scripts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pitstop.domain.windows import SEVERITY
from pitstop.errors import InvalidInput, TooLarge

TITLE_MAX = 80
ABOUT_MAX = 1000
LOGO_MAX = 256 * 1024
GROUP_NAME_MAX = 100
GROUPS_MAX = 100
HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
LOGO_TYPES = ("image/png", "image/jpeg", "image/webp")


def validate_title(value: str) -> str:
    trimmed = " ".join(value.split())
    if not trimmed:
        raise InvalidInput("title must not be empty: name the page in 1-"
                           f"{TITLE_MAX} characters", field="title")
    if len(trimmed) > TITLE_MAX:
        raise InvalidInput(f"title is {len(trimmed)} characters long; shorten it to at most "
                           f"{TITLE_MAX}", field="title")
    return trimmed


def validate_accent(value: str) -> str:
    trimmed = value.strip()
    if not HEX.fullmatch(trimmed):
        raise InvalidInput("accent must be a CSS hex colour such as #2454c5 or #25c "
                           f"(got {value!r})", field="accent")
    return trimmed.lower()


def validate_about(value: str) -> str:
    trimmed = value.strip()
    if len(trimmed) > ABOUT_MAX:
        raise InvalidInput(f"about is {len(trimmed)} characters long; shorten it to at most "
                           f"{ABOUT_MAX}", field="about")
    return trimmed


def logo_type(data: bytes) -> str:
    """The logo's media type, from its magic bytes; refuses anything else, and big files."""
    if len(data) > LOGO_MAX:
        raise TooLarge(f"the logo is {len(data)} bytes; send one of at most {LOGO_MAX} bytes "
                       "(256 KiB)", field="logo", limit=LOGO_MAX)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput("the logo must be a PNG, JPEG or WebP image (SVG and other formats "
                       "are refused)", field="logo")


def validate_groups(groups: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    """Each group's trimmed name (unique, 1-100 characters) and its services (each in one
    group at most)."""
    if len(groups) > GROUPS_MAX:
        raise InvalidInput(f"{len(groups)} groups; at most {GROUPS_MAX}", field="groups")
    names: set[str] = set()
    placed: dict[str, str] = {}
    out = []
    for i, (name, services) in enumerate(groups):
        trimmed = " ".join(name.split())
        if not trimmed or len(trimmed) > GROUP_NAME_MAX:
            raise InvalidInput(f"groups[{i}].name must be 1-{GROUP_NAME_MAX} characters "
                               f"(got {len(trimmed)})", field=f"groups.{i}.name")
        if trimmed.casefold() in names:
            raise InvalidInput(f"two groups are named {trimmed!r}; give each a different "
                               "name", field=f"groups.{i}.name")
        names.add(trimmed.casefold())
        for service in services:
            if service in placed:
                raise InvalidInput(f"service {service!r} is in group {placed[service]!r} and "
                                   f"in {trimmed!r}; put it in one group only",
                                   field=f"groups.{i}.services")
            placed[service] = trimmed
        out.append((trimmed, list(services)))
    return out


def group_status(displayed: Iterable[str]) -> str:
    """A group's status: the most severe of its members' displayed statuses, in the order
    the displayed status itself uses (DOWN > DEGRADED > MAINTENANCE), then UNKNOWN, then UP."""
    rank = {**{str(k): v for k, v in SEVERITY.items()}, "UNKNOWN": 0, "UP": -1}
    return max(displayed, key=lambda s: rank.get(s, 0), default="UNKNOWN")
