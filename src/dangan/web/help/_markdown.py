"""Markdown to HTML for the manual, server-side: raw HTML in the source is not passed through, so a
page can only ever hold what Markdown itself produces."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt

_IMG = re.compile(r'src="img/([A-Za-z0-9_-]+\.png)"')
_CODE_LINK = re.compile(r"`([a-z][a-z0-9_]{2,40})`")


@functools.cache
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def to_html(text: str, *, error_codes: frozenset[str] = frozenset()) -> str:
    """Images resolve under /help/img/; an inline code that names a known error code becomes a link to
    its explanation (so "`handover_closed`" in a task page is one click from what it means)."""
    html = _md().render(text)
    html = _IMG.sub(r'src="/help/img/\1"', html)
    if error_codes:

        def link(m: re.Match[str]) -> str:
            code = m.group(1)
            if code in error_codes:
                return f'<a class="help-code" href="/help/errors/{code}"><code>{code}</code></a>'
            return m.group(0)

        html = re.sub(r"<code>([a-z][a-z0-9_]{2,40})</code>", link, html)
    return html


def plain_text(text: str) -> str:
    """The words of a page for searching and for the PDF's paragraphs: Markdown marks removed."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = _CODE_LINK.sub(r"\1", text)
    return re.sub(r"[#*>`|]+", " ", text)
