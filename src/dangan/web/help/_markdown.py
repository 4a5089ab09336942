"""Markdown to HTML for the manual, server-side: raw HTML in the source is not passed through, so a
page can only ever hold what Markdown itself produces."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt

_IMG = re.compile(r'src="img/([A-Za-z0-9_-]+\.png)"')
_CODE_LINK = re.compile(r"`([a-z][a-z0-9_]{2,40})`")
_HEADING = re.compile(r"<h([23])>(.*?)</h\1>")
_TAG = re.compile(r"<[^>]+>")
_NOT_ID = re.compile(r"[^\w-]+")


def anchor(title: str) -> str:
    """The id a heading gets: its words, spaces and marks as hyphens ("DA/T 46" → "DA-T-46"), so a tip
    can link `/help/glossary#保管期限` and the link reads as what it points at."""
    return _NOT_ID.sub("-", _TAG.sub("", title)).strip("-")


def _with_ids(html: str) -> str:
    seen: dict[str, int] = {}

    def number(m: re.Match[str]) -> str:
        base = anchor(m.group(2)) or "section"
        seen[base] = seen.get(base, 0) + 1
        hid = base if seen[base] == 1 else f"{base}-{seen[base]}"
        return f'<h{m.group(1)} id="{hid}">{m.group(2)}</h{m.group(1)}>'

    return _HEADING.sub(number, html)


def anchors(text: str) -> list[str]:
    """The heading ids of a page's Markdown, in order (what a link's `#fragment` may name)."""
    return re.findall(r'<h[23] id="([^"]+)"', to_html(text))


@functools.cache
def _md() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def to_html(text: str, *, error_codes: frozenset[str] = frozenset()) -> str:
    """Headings get ids (a tip links straight to the section that explains its field); images resolve
    under /help/img/; an inline code that names a known error code becomes a link to
    its explanation (so "`handover_closed`" in a task page is one click from what it means)."""
    html = _with_ids(_md().render(text))
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
