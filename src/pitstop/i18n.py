"""Languages of the public side: the status page and the mails and posts its subscribers get.

gettext catalogues (``locale/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo`` on first
use when missing or older), our languages, negotiation of an ``Accept-Language`` header, and
dates in a language's own format. Below the services and the delivery path (which render
subscribers' messages in their language) and the web pages (``web/i18n.py`` adds the
request, the cookie and the templates' side).
"""

from __future__ import annotations

import gettext as gettext_module
import io
from datetime import UTC, datetime, tzinfo
from functools import cache
from pathlib import Path

from babel import Locale
from babel.core import UnknownLocaleError
from babel.dates import format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = Path(__file__).parent / "locale"
LANGUAGES = {"en": "English", "de": "Deutsch"}  # code: its own name, for the switcher
DEFAULT = "en"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def known(value: str | None) -> str | None:
    """``value`` if it is one of our languages (any case), else None."""
    value = (value or "").strip().lower()[:16]
    return value if value in LANGUAGES else None


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
def translations(lang: str | None) -> gettext_module.NullTranslations:
    """``lang``'s catalogue; English (the source strings) for None or a language we lack."""
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


def date_text(at: datetime, lang: str) -> str:
    """A time in UTC in ``lang``'s own format: ``Thu, Mar 5, 2026, 13:30 UTC``,
    ``Do., 5. März 2026, 13:30 UTC``; seconds only when there are any."""
    return zoned_text(at, UTC, lang)


def zoned_text(at: datetime, zone: tzinfo, lang: str | None) -> str:
    """A time in ``zone`` in ``lang``'s own format, with the zone's abbreviation:
    ``Sun, Mar 29, 2026, 03:30 CEST``, ``So., 29. März 2026, 03:30 CEST``."""
    lang = known(lang) or DEFAULT
    local = at.astimezone(zone)
    day = format_skeleton("yMMMEd", local, tzinfo=zone, locale=lang)
    clock = format_skeleton("Hms" if local.second else "Hm", local, tzinfo=zone, locale=lang)
    return f"{day}, {clock} {local.tzname()}"
