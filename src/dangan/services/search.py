"""Keyword search over the catalogue, narrowed by the access policy before counting or ranking."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from dangan.access import Principal, mask_text, record_filter, should_mask
from dangan.index import match_query, query_words

from .archive import Archive


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

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "source_system": self.source_system, "source_id": self.source_id,
            "archival_code": self.archival_code, "title": self.title, "score": round(self.score, 6),
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


def search(archive: Archive, user: Principal, query: str, limit: int = 20, offset: int = 0) -> SearchResult:
    parsed = parse_plain(query)
    limit = max(1, min(limit, 500))
    with archive.db.read() as s:
        stmt = match_query(s, query, record_filter(user))
        if stmt is None:
            return SearchResult(query, parsed, 0)
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = s.execute(stmt.offset(max(0, offset)).limit(limit)).all()
        hits = [
            SearchHit(r.id, r.source_system, r.source_id, r.archival_code,
                      mask_text(r.title, r) if should_mask(user, r) else r.title, float(score),
                      r.department.name, r.matter.name, r.decided_at.isoformat())
            for r, score in rows
        ]  # fmt: skip
    return SearchResult(query, parsed, int(total), hits)
