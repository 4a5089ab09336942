"""Text → index tokens, and query → the same tokens, so that document and query always segment alike.

Chinese runs are indexed as overlapping character bigrams (一个 "海港区" → "海港 港区"), which makes
every substring of two or more characters findable however a segmenter would have cut it. A query is
cut into words by jieba (rjieba) and each word becomes a phrase of its bigrams, so "海港区餐饮" finds
"海港区某某餐饮有限公司" — both words occur, not necessarily side by side.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9A-Za-z]+")
_IS_CJK = re.compile(rf"^[{_CJK}]+$")
STOPWORDS = frozenset(
    ["的", "了", "和", "与", "及", "或", "在", "是", "有", "关于", "对", "把", "被", "等", "之"]
)


def normalise(text: str) -> str:
    """Full-width to half-width, case-folded: what users type and what documents contain differ."""
    return unicodedata.normalize("NFKC", text).lower()


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


PREFIX = "*"


def index_tokens(text: str) -> str:
    """The space-separated token string stored for full-text search.

    A Chinese run gives its bigrams and then its last character alone, so that a one-character query
    (a surname, 证) matches as a prefix anywhere in the run: as the head of a bigram, or as that tail.
    """
    out: list[str] = []
    for m in _RUN.finditer(normalise(text)):
        run = m.group(0)
        if _IS_CJK.match(run):
            out.extend(_bigrams(run))
            if len(run) > 1:
                out.append(run[-1])
        else:
            out.append(run)
    return " ".join(out)


def query_words(query: str) -> list[str]:
    """The words a query is made of: jieba words for Chinese runs (stopwords dropped), others as typed."""
    import rjieba  # only queries are cut into words (documents are indexed as bigrams): ≈ 0.1 s to load

    words: list[str] = []
    for m in _RUN.finditer(normalise(query)):
        run = m.group(0)
        if not _IS_CJK.match(run):
            words.append(run)
            continue
        cut = [w for w in rjieba.cut(run) if w.strip()]
        words.extend([w for w in cut if w not in STOPWORDS] or cut)
    return words


def query_phrases(query: str) -> list[list[str]]:
    """Each phrase is a list of tokens that must occur adjacently; all phrases must occur.

    A token ending in `PREFIX` matches every token that starts with it (one-character Chinese words).
    """
    phrases = []
    for word in query_words(query):
        if not _IS_CJK.match(word):
            phrases.append([word])
        elif len(word) == 1:
            phrases.append([word + PREFIX])
        else:
            phrases.append(_bigrams(word))
    return phrases


def keyword_phrases(keywords: list[str] | tuple[str, ...]) -> list[list[str]]:
    """Phrases for the words a parsed query left: a short Chinese word (up to 4 characters: a name such as
    许淑珍, a term such as 餐饮服务) must occur whole; a longer run is cut by jieba like a raw query."""
    phrases: list[list[str]] = []
    for word in keywords:
        for m in _RUN.finditer(normalise(word)):
            run = m.group(0)
            if not _IS_CJK.match(run):
                phrases.append([run])
            elif len(run) == 1:
                phrases.append([run + PREFIX])
            elif len(run) <= 4:
                phrases.append(_bigrams(run))
            else:
                phrases.extend(query_phrases(run))
    return phrases
