"""Keyword search over the catalogue, narrowed by the access policy before counting or ranking.

Staff type the numbers they have — a 档号, an 办件编号 (受理编号), a 文号, a 统一社会信用代码 — and expect
that record first. A query that is one such identifier is looked up exactly in the catalogue columns;
those hits come first and say what matched, the full-text hits follow (without repeating them).

A query holding an ID-card or phone number finds only records whose personal data the user may see in
clear: otherwise the hit itself would confirm the number belongs to that applicant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select

from dangan.access import Principal, mask_text, record_filter, should_mask
from dangan.domain import personal_spans
from dangan.index import match_query, query_words
from dangan.services.archive import Archive
from dangan.store.catalog import Record

IDENTIFIER_FIELDS = (
    ("archival_code", "档号"), ("source_id", "办件编号"), ("doc_number", "文号"), ("applicant_uscc", "统一社会信用代码"),
)  # fmt: skip
MAX_PERSONAL_HITS = 1000
TEXT_MATCH = "材料正文"


@dataclass
class SearchHit:
    record_id: str
    source_system: str
    source_id: str
    archival_code: str
    title: str
    score: float
    department: str = ""
    matter: str = ""
    decided_at: str = ""
    matched: str | None = (
        None  # '档号', '办件编号' …, or '材料正文' when a number was found in the files' text
    )

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "source_system": self.source_system, "source_id": self.source_id,
            "archival_code": self.archival_code, "title": self.title, "score": round(self.score, 6),
            "matched": self.matched,
        }  # fmt: skip


@dataclass
class SearchResult:
    query: str
    parsed: dict[str, Any]
    total: int
    hits: list[SearchHit] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"parsed": self.parsed, "total": self.total, "hits": [h.as_json() for h in self.hits]}


def parse_plain(query: str) -> dict[str, Any]:
    """What the plain search understood; the intelligent-search issue fills the other filters."""
    return {
        "keywords": query_words(query), "time_from": None, "time_to": None, "district": None,
        "department": None, "matter": None, "industry": None,
    }  # fmt: skip


def _identifier(query: str) -> str | None:
    """The query as an identifier: one word with a digit, 4-120 characters (else None)."""
    text = query.strip()
    if not 4 <= len(text) <= 120 or any(ch.isspace() for ch in text) or not any(ch.isdigit() for ch in text):
        return None
    return text


def _hit(user: Principal, r: Record, score: float, matched: str | None = None) -> SearchHit:
    title = mask_text(r.title, r) if should_mask(user, r) else r.title
    return SearchHit(r.id, r.source_system, r.source_id, r.archival_code, title, score, r.department.name,
                     r.matter.name, r.decided_at.isoformat(), matched)  # fmt: skip


def _by_identifier(s: Any, user: Principal, ident: str, *, clear_only: bool = False) -> list[SearchHit]:
    """Records whose identifier column equals the query; `clear_only` keeps those whose personal data the
    user sees in clear (the query holds a personal number)."""
    wanted = {ident, ident.upper()}
    columns = [getattr(Record, name) for name, _ in IDENTIFIER_FIELDS]
    rows = s.scalars(
        select(Record).where(or_(*(c.in_(wanted) for c in columns)), record_filter(user)).limit(50)
    ).all()
    hits = []
    for r in rows:
        if clear_only and should_mask(user, r):
            continue
        label = next(lab for name, lab in IDENTIFIER_FIELDS if getattr(r, name) in wanted)
        hits.append(_hit(user, r, 1000.0, label))
    return hits


def search(archive: Archive, user: Principal, query: str, limit: int = 20, offset: int = 0) -> SearchResult:
    parsed = parse_plain(query)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    personal = bool(personal_spans(query))
    with archive.db.read() as s:
        ident = _identifier(query)
        first = _by_identifier(s, user, ident, clear_only=personal) if ident else []
        stmt = match_query(s, query, record_filter(user))
        if stmt is None and not first:
            return SearchResult(query, parsed, 0)
        if stmt is not None and first:
            stmt = stmt.where(Record.id.not_in([h.record_id for h in first]))
        if personal:  # only records whose personal data this user sees in clear (module docstring)
            rows = s.execute(stmt.limit(MAX_PERSONAL_HITS)).all() if stmt is not None else []
            rest = [_hit(user, r, float(score)) for r, score in rows if not should_mask(user, r)]
            everything = first + rest
            return SearchResult(query, parsed, len(everything), everything[offset : offset + limit])
        total = len(first)
        if stmt is not None:
            total += s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        hits = first[offset : offset + limit]
        if stmt is not None and len(hits) < limit:
            skip = max(0, offset - len(first))
            rows = s.execute(stmt.offset(skip).limit(limit - len(hits))).all()
            in_text = TEXT_MATCH if ident else None  # a number found in the materials (许可证编号, 受理编号)
            hits += [_hit(user, r, float(score), in_text) for r, score in rows]
    return SearchResult(query, parsed, int(total), hits)
