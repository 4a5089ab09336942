"""Identifiers staff type — 档号, 办件编号, 文号 in any brackets, 统一社会信用代码 — looked up exactly, and
"did you mean" for one typed with a character wrong; always inside the access policy."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dangan.access import Principal, record_filter, should_mask
from dangan.store.catalog import Record

from ._results import SearchHit, hit_of

if TYPE_CHECKING:
    from dangan.index import Engine

IDENTIFIER_FIELDS = (
    ("archival_code", "档号"), ("source_id", "办件编号"), ("doc_number", "文号"), ("applicant_uscc", "统一社会信用代码"),
)  # fmt: skip
_BRACKETS = re.compile(r"[\[【(（〔]\s*((?:19|20)\d{2})\s*[\]】)）〕]")


def identifier(query: str) -> str | None:
    """The query as an identifier: one word of 4-120 characters with a digit, mostly letters and digits
    (a 文号 has a few Chinese characters, "2023年海港区的食品经营许可" is a sentence), else None."""
    text = query.strip()
    if not 4 <= len(text) <= 120 or any(ch.isspace() for ch in text) or not any(ch.isdigit() for ch in text):
        return None
    chinese = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    ascii_alnum = sum(1 for ch in text if ch.isascii() and ch.isalnum())
    return text if chinese <= 6 and ascii_alnum >= 4 else None


def identifier_forms(ident: str) -> set[str]:
    """文号 are typed with whatever brackets the keyboard has: 〔2023〕, [2023], 【2023】, (2023)."""
    forms = {ident, ident.upper()}
    canonical = _BRACKETS.sub(r"〔\1〕", ident)
    forms.update({canonical, canonical.upper()})
    return forms


def by_identifier(s: Session, user: Principal, ident: str, *, clear_only: bool = False) -> list[SearchHit]:
    """Records whose identifier column equals the query; `clear_only` keeps those whose personal data the
    user sees in clear (the query holds a personal number)."""
    wanted = identifier_forms(ident)
    columns = [getattr(Record, name) for name, _ in IDENTIFIER_FIELDS]
    rows = s.scalars(
        select(Record).where(or_(*(c.in_(wanted) for c in columns)), record_filter(user)).limit(50)
    ).all()
    hits = []
    for r in rows:
        if clear_only and should_mask(user, r):
            continue
        label = next(lab for name, lab in IDENTIFIER_FIELDS if getattr(r, name) in wanted)
        hits.append(hit_of(user, r, 1000.0, label))
    return hits


def near_identifiers(s: Session, user: Principal, ident: str, engine: Engine | None = None) -> list[str]:
    """Identifiers one character away from a typed one that found nothing ("您要找的是不是 …"); only
    those of records the user may read, so a suggestion never reveals another.

    Candidates share the typed text's first two thirds (then its first third) — an index range scan, not a
    scan of every record — and are kept when exactly one character differs. A slip in the first third
    leaves the last two thirds whole: only then, and only in a column whose values could have this shape,
    the column's index is read through for that tail (≈ 80 ms a column at a million records)."""
    wanted = ident.upper()
    if not 6 <= len(wanted) <= 40:
        return []
    if engine is not None:
        return _near_by_engine(s, user, wanted, engine)
    found: list[str] = []
    for name, _label in IDENTIFIER_FIELDS:
        column = getattr(Record, name)
        near: set[str] = set()
        for cut in (2 * len(wanted) // 3, len(wanted) // 3):
            if cut < 2 or near:
                continue
            head = wanted[:cut]
            values = s.scalars(select(column).where(column >= head, column < head + "\U0010ffff").limit(5000))
            near |= {v for v in values if v and _one_off(v.upper(), wanted)}  # the index alone, no rows read
        if not near and _shaped_like(name, wanted):
            cut = len(wanted) // 3
            values = s.scalars(select(column).where(func.length(column) == len(wanted),
                                                    func.upper(func.substr(column, cut + 1)) == wanted[cut:])
                               .limit(100))  # fmt: skip
            near |= {v for v in values if v and _one_off(v.upper(), wanted)}
        if near:  # then the policy, on the few that are one character off
            readable = s.scalars(select(column).where(column.in_(near), record_filter(user)).distinct())
            found += sorted(v for v in readable if v not in found)
        if len(found) >= 3:
            break
    return found[:3]


def _near_by_engine(s: Session, user: Principal, wanted: str, engine: Engine) -> list[str]:
    """The engine's identifier terms one edit away, inside the policy; then exactly one character
    different (an insertion or a deletion is not "one wrong character"), in the fields' order."""
    from ._engine_search import access_of

    seqs = engine.near_identifier(wanted, access_of(s, user))
    if not seqs:
        return []
    records = list(s.scalars(select(Record).where(Record.seq.in_(seqs), record_filter(user))))
    found: list[str] = []
    for name, _label in IDENTIFIER_FIELDS:
        for value in sorted({getattr(r, name) or "" for r in records}):
            if value and _one_off(value.upper(), wanted) and value not in found:
                found.append(value)
    return found[:3]


def _shaped_like(name: str, wanted: str) -> bool:
    """Whether a value of column `name` could be `wanted` with one character wrong: a USCC has 18 letters
    and digits, 档号 and 办件编号 are joined by '-', a 文号 ends in 号."""
    if name == "applicant_uscc":
        return len(wanted) == 18 and wanted.isalnum()
    if name == "doc_number":
        return wanted.endswith("号")
    return "-" in wanted


def _one_off(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1
