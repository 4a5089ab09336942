"""Matched words marked in a hit's title and in a snippet of its materials — after masking.

Masking runs over the whole text before anything is cut or marked, so a window's edge can never leave
part of an ID number in clear, and a personal number the viewer may not see is never a highlight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Segments = list[tuple[str, bool]]  # (text, matched)
SNIPPET_CHARS = 90


def _pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    terms = sorted({w for w in words if w and len(w.strip()) >= 1}, key=len, reverse=True)
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def marked(text: str, words: Iterable[str]) -> Segments:
    """`text` cut into plain and matched stretches (case-insensitive)."""
    pattern = _pattern(words)
    if pattern is None or not text:
        return [(text, False)] if text else []
    out: Segments = []
    at = 0
    for m in pattern.finditer(text):
        if m.start() > at:
            out.append((text[at : m.start()], False))
        out.append((text[m.start() : m.end()], True))
        at = m.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def snippet(text: str | None, words: Iterable[str], width: int = SNIPPET_CHARS) -> Segments:
    """A window of the text around its first matched word (or its start), with the matches marked."""
    if not text:
        return []
    pattern = _pattern(words)
    first = pattern.search(text) if pattern is not None else None
    if first is None:
        return []
    start = max(0, first.start() - width // 3)
    end = min(len(text), start + width)
    window = text[start:end]
    segments = marked(window, words)
    if start > 0:
        segments.insert(0, ("…", False))
    if end < len(text):
        segments.append(("…", False))
    return segments


def plain(segments: Segments) -> str:
    return "".join(text for text, _ in segments)
