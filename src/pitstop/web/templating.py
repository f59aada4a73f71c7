"""The Jinja2 environment: templates and static files ship inside the package (no build
step, nothing fetched from elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.templating import Jinja2Templates

from pitstop.services.public_maintenance import duration_text

HERE = Path(__file__).parent
STATIC = HERE / "static"


def iso(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc_text(at: datetime | None) -> str:
    """The no-script fallback; the page's script shows each time in the viewer's zone."""
    if at is None:
        return ""
    at = at.astimezone(UTC)  # seconds only when there are any: a short window stays readable
    return f"{at:%a %d %b %Y %H:%M:%S} UTC" if at.second else f"{at:%a %d %b %Y %H:%M} UTC"


def label(value: Any) -> str:
    return str(value).replace("_", " ").capitalize()


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(iso=iso, utc=utc_text, label=label, duration=duration_text)
