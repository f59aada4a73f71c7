"""A badge as SVG in shields.io's flat style: the label on grey at the left, the status on its
colour at the right, each side as wide as its text (Verdana 11px, measured from a table of
character widths, so no font is needed on the server)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from pitstop.services.badges import Badge

COLOURS = {"green": "#4c1", "blue": "#007ec6", "orange": "#fe7d37", "red": "#e05d44",
           "grey": "#9f9f9f"}
PAD = 10  # pixels around the text on each side
# Verdana 11px advance widths, grouped; anything else counts as a wide lowercase letter.
_WIDTHS = {**dict.fromkeys("ijl.,:;!|'", 3.2), **dict.fromkeys("frtI()[] -_/", 4.6),
           **dict.fromkeys("abcdeghknopqsuvxyz0123456789", 6.8),
           **dict.fromkeys("mwMW%@", 10.2)}


def text_width(text: str) -> int:
    return round(sum(_WIDTHS.get(c, 8.0 if c.isupper() else 7.0) for c in text))


def render(badge: Badge) -> str:
    left, right = text_width(badge.label) + PAD, text_width(badge.text) + PAD
    total = left + right
    label, text = escape(badge.label), escape(badge.text)
    title = escape(f"{badge.label}: {badge.text}", {'"': "&quot;"})
    colour = COLOURS[badge.colour]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{title}"><title>{title}</title>'
        '<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" '
        'stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)"><rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<rect width="{total}" height="20" fill="url(#s)"/></g>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,'
        'sans-serif" text-rendering="geometricPrecision" font-size="110">'
        + _text(label, left / 2, left - PAD) + _text(text, left + right / 2, right - PAD)
        + "</g></svg>")


def _text(text: str, middle: float, width: int) -> str:
    """Shields' way: drawn at ten times the size and scaled down, with a shadow below."""
    x, length = round(middle * 10), width * 10
    return (f'<text aria-hidden="true" x="{x}" y="150" fill="#010101" fill-opacity=".3" '
            f'transform="scale(.1)" textLength="{length}">{text}</text>'
            f'<text x="{x}" y="140" transform="scale(.1)" fill="#fff" '
            f'textLength="{length}">{text}</text>')
