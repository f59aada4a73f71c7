"""Markdown in updates, rendered safely: no raw HTML, no images (the page requests nothing
from another host), links only to http, https and mailto. The source is stored; this runs
on output."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

SCHEMES = ("http://", "https://", "mailto:")


@cache
def _build() -> MarkdownIt:
    """The renderer, built at first use: a start-up that renders no update need not pay
    for loading markdown-it."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable(["image", "html_block", "html_inline"])
    # A link to any other scheme (javascript:, data:, a relative path) stays literal text.
    md.validateLink = lambda url: url.strip().lower().startswith(SCHEMES)  # type: ignore[method-assign]

    def link_open(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
        return str(renderer.renderToken(tokens, idx, options, env))

    md.add_render_rule("link_open", link_open)
    return md



def render(source: str) -> str:
    """The HTML of ``source``: anything it holds that is not markdown is shown as text."""
    return _build().render(source)
