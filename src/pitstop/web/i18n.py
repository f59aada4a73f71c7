"""The public page's languages: gettext catalogues (``locale/<lang>/LC_MESSAGES/
messages.po``, compiled to ``.mo`` on first use when missing or older), the viewer's
language (``?lang=``, then the ``lang`` cookie, then ``Accept-Language``), and dates in
that language's format. The operator console stays English: without a ``lang`` in a
template's context everything here answers in English."""

from __future__ import annotations

import gettext as gettext_module
import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import Response

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "de": "Deutsch"}  # code: its own name, for the switcher
DEFAULT = "en"
COOKIE = "lang"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


# What the ``label`` filter shows: statuses, phases and impacts, by their English label.
LABELS = {N_("Operational"), N_("Maintenance"), N_("Degraded"), N_("Down"), N_("Unknown"),
          N_("Up"), N_("Scheduled"), N_("Ready"), N_("Ongoing"), N_("Completed"),
          N_("Cancelled"), N_("In progress"), N_("Verifying")}

# What the page's script (static/common.js) writes, by its key there.
SCRIPT_STRINGS = {"startsIn": N_("Starts in {span} ·"), "startingNow": N_("Starting now ·"),
                  "left": N_("{span} left · ends "), "ending": N_("ending · ends "),
                  "updated": N_("Updated.")}


def compile_catalogues(root: Path = LOCALES) -> list[Path]:
    """Compile every ``messages.po`` under ``root`` whose ``.mo`` is missing or older.
    Returns the ones written."""
    written = []
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parent.parent.name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as target:
            write_mo(target, catalog)
        tmp.replace(mo)
        written.append(mo)
    return written


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    if lang == DEFAULT or lang not in LANGUAGES:
        return gettext_module.NullTranslations()
    try:
        compile_catalogues()
    except OSError:  # an installation nobody may write to: compile in memory instead
        po = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        buffer = io.BytesIO()
        with po.open("rb") as source:
            write_mo(buffer, read_po(source, locale=lang))
        buffer.seek(0)
        return gettext_module.GNUTranslations(buffer)
    return gettext_module.translation(DOMAIN, str(LOCALES), languages=[lang])


def _known(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:16]
    return value if value in LANGUAGES else None


def negotiate(header: str | None) -> str:
    """The best of our languages for an ``Accept-Language`` header (English if none fits)."""
    wanted = []
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            wanted.append((q, tag.strip().replace("-", "_")))
    preferred = [tag for _, tag in sorted(wanted, key=lambda w: -w[0])]
    try:
        found = Locale.negotiate(preferred, list(LANGUAGES), sep="_")
    except (UnknownLocaleError, ValueError):
        found = None
    return found.language if found else DEFAULT


def choose(request: Request) -> tuple[str, str | None]:
    """The viewer's language, and the one to remember in the cookie (an explicit
    ``?lang=``), if any. The query wins, then the cookie, then the header."""
    asked = _known(request.query_params.get("lang"))
    if asked:
        return asked, asked
    return _known(request.cookies.get(COOKIE)) or negotiate(
        request.headers.get("accept-language")), None


def remember(response: Response, chosen: str | None) -> None:
    """Vary on what chose the language; keep an explicit choice for a year."""
    response.headers["Vary"] = "Accept-Language, Cookie"
    if chosen:
        response.set_cookie(COOKIE, chosen, max_age=365 * 86400, samesite="lax", path="/")


def lang_of(context: Context) -> str:
    return context.get("lang") or DEFAULT


@pass_context
def gettext(context: Context, message: str) -> str:
    return translations(lang_of(context)).gettext(message)


@pass_context
def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(lang_of(context)).ngettext(singular, plural, n)


def date_text(at: datetime, lang: str) -> str:
    """A time in UTC in ``lang``'s own format: ``Thu, Mar 5, 2026, 13:30 UTC``,
    ``Do., 5. März 2026, 13:30 UTC``; seconds only when there are any."""
    at = at.astimezone(UTC)
    day = format_skeleton("yMMMEd", at, tzinfo=UTC, locale=lang)
    clock = format_skeleton("Hms" if at.second else "Hm", at, tzinfo=UTC, locale=lang)
    return f"{day}, {clock} UTC"


def script_strings(lang: str) -> dict[str, str]:
    """What the page's script writes, in ``lang`` (``{span}`` is a time span)."""
    return {key: translations(lang).gettext(text) for key, text in SCRIPT_STRINGS.items()}
