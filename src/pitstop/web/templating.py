"""The Jinja2 environment: templates and static files ship inside the package (no build
step, nothing fetched from elsewhere). The public page's templates are translated through
Jinja2's i18n extension (web/i18n.py); a template rendered without ``lang`` is English."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.templating import Jinja2Templates

from pitstop.services.public_maintenance import duration_text
from pitstop.web import i18n

HERE = Path(__file__).parent
STATIC = HERE / "static"


def iso(at: datetime | None) -> str:
    return "" if at is None else at.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pass_context
def utc_text(context: Context, at: datetime | None) -> str:
    """The no-script fallback; the page's script shows each time in the viewer's zone.
    On a page with a language, in that language's format (see i18n.date_text)."""
    if at is None:
        return ""
    if context.get("lang"):
        return i18n.date_text(at, context["lang"])
    at = at.astimezone(UTC)  # seconds only when there are any: a short window stays readable
    return f"{at:%a %d %b %Y %H:%M:%S} UTC" if at.second else f"{at:%a %d %b %Y %H:%M} UTC"


@pass_context
def label(context: Context, value: Any) -> str:
    text = str(value).replace("_", " ").capitalize()
    return str(i18n.gettext(context, text))


@pass_context
def translate(context: Context, text: str) -> str:
    """A server-side string (a headline, an error) in the page's language: plain text,
    escaped like any other value (``_()`` would mark it safe)."""
    return str(i18n.gettext(context, text))


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True)
templates.env.filters.update(iso=iso, utc=utc_text, label=label,
                             duration=duration_text, translate=translate)
