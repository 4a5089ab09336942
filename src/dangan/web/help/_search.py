"""Searching the manual: an in-memory inverted index over rjieba tokens, built once per process.

The manual is a few dozen short pages, so a dictionary is the whole engine; query and pages are
segmented alike (DESIGN.md §3), and a query word the segmenter splits differently from the page still
matches because a short word is also looked up as a substring of the page text.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

import rjieba

from ._markdown import plain_text
from ._pages import HelpPage, load_manual

_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_STOP = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "或",
        "在",
        "是",
        "我",
        "您",
        "怎么",
        "如何",
        "什么",
        "吗",
        "呢",
        "一个",
        "这",
        "那",
    ]
)
MAX_QUERY = 100


@dataclass(frozen=True)
class Hit:
    page: HelpPage
    score: float
    snippet: str


def tokens(text: str) -> list[str]:
    return [t.lower() for t in rjieba.cut(text) if _WORD.search(t) and t not in _STOP]


@dataclass(frozen=True)
class _Index:
    postings: dict[str, Counter[str]]
    titles: dict[str, str]
    texts: dict[str, str]


@functools.cache
def _index() -> _Index:
    postings: dict[str, Counter[str]] = {}
    titles: dict[str, str] = {}
    texts: dict[str, str] = {}
    for page in load_manual().pages:
        text = plain_text(page.body)
        titles[page.slug] = page.title
        texts[page.slug] = text
        for tok in tokens(page.title) * 5 + tokens(text):  # a title word weighs five body words
            postings.setdefault(tok, Counter())[page.slug] += 1
    return _Index(postings, titles, texts)


def _snippet(text: str, words: list[str], width: int = 60) -> str:
    flat = " ".join(text.split())
    at = min((i for i in (flat.lower().find(w) for w in words) if i >= 0), default=0)
    start = max(0, at - width // 3)
    return ("…" if start else "") + flat[start : start + width] + ("…" if start + width < len(flat) else "")


def search(query: str, roles: set[str] | None = None, limit: int = 20) -> list[Hit]:
    """Pages best matching `query`, only those of `roles` when given (what the reader may open)."""
    query = query.strip()[:MAX_QUERY]
    words = tokens(query)
    if not words:
        return []
    index = _index()
    scores: dict[str, float] = {}
    for word in words:
        found = index.postings.get(word)
        if found:
            for slug, n in found.items():
                scores[slug] = scores.get(slug, 0.0) + 1 + min(n, 10) / 10
        else:  # a word segmented differently in the pages: look for it as text
            for slug, text in index.texts.items():
                if word in text.lower() or word in index.titles[slug].lower():
                    scores[slug] = scores.get(slug, 0.0) + 0.8
    for slug, text in index.texts.items():  # the whole query as typed, verbatim
        if query.lower() in text.lower() or query.lower() in index.titles[slug].lower():
            scores[slug] = scores.get(slug, 0.0) + 2
    manual = load_manual()
    hits = []
    for slug, score in sorted(scores.items(), key=lambda kv: -kv[1]):
        page = manual.page(slug)
        if roles is not None and not roles.intersection(page.roles):
            continue
        hits.append(Hit(page, score, _snippet(index.texts[slug], [query.lower(), *words])))
        if len(hits) >= limit:
            break
    return hits
