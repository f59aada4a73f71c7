"""The public page's languages, on the web's side: the viewer's language (``?lang=``, then
the ``lang`` cookie, then ``Accept-Language``), the templates' gettext, and the strings of
the page's labels and script. The catalogues, the languages and dates in a language's
format are ``pitstop.i18n``'s (the services render subscribers' mails with them too). The
operator console stays English: without a ``lang`` in a template's context everything here
answers in English."""

from __future__ import annotations

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import Request
from starlette.responses import Response

from pitstop.i18n import (  # re-exported: the web's one name for the languages
    DEFAULT,
    LANGUAGES,
    LOCALES,
    N_,
    compile_catalogues,
    date_text,
    known,
    negotiate,
    translations,
)

__all__ = ["DEFAULT", "LANGUAGES", "LOCALES", "N_", "compile_catalogues", "date_text",
           "negotiate", "translations"]
COOKIE = "lang"


# What the ``label`` filter shows: statuses, phases and impacts, by their English label.
LABELS = {N_("Operational"), N_("Maintenance"), N_("Degraded"), N_("Down"), N_("Unknown"),
          N_("Up"), N_("Scheduled"), N_("Ready"), N_("Ongoing"), N_("Completed"),
          N_("Cancelled"), N_("In progress"), N_("Verifying")}

# What the page's script (static/common.js) writes, by its key there.
SCRIPT_STRINGS = {"startsIn": N_("Starts in {span} ·"), "startingNow": N_("Starting now ·"),
                  "left": N_("{span} left · ends "), "ending": N_("ending · ends "),
                  "updated": N_("Updated.")}


def choose(request: Request) -> tuple[str, str | None]:
    """The viewer's language, and the one to remember in the cookie (an explicit
    ``?lang=``), if any. The query wins, then the cookie, then the header."""
    asked = known(request.query_params.get("lang"))
    if asked:
        return asked, asked
    return known(request.cookies.get(COOKIE)) or negotiate(
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


def script_strings(lang: str) -> dict[str, str]:
    """What the page's script writes, in ``lang`` (``{span}`` is a time span)."""
    return {key: translations(lang).gettext(text) for key, text in SCRIPT_STRINGS.items()}
