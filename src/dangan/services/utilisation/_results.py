"""What a search returns: hits as the user may see them (masked titles, marked words, a snippet of the
materials) and the result around them; shared by the catalogue's and the engine's paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.access import Principal, mask_text, shared_as, should_mask
from dangan.index import ParsedQuery
from dangan.store.catalog import Record, SearchDoc

from ._highlight import Segments, marked, plain, snippet

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
    # '档号', '办件编号' …, or '材料正文' when a number was found in the files' text
    matched: str | None = None
    title_marks: Segments = field(default_factory=list)  # the (masked) title with the matched words marked
    snippet_marks: Segments = field(default_factory=list)  # a window of the (masked) materials, marked
    seq: int = 0
    record: Record | None = field(default=None, repr=False, compare=False)  # for masking its snippet
    shared: str | None = None  # another department's: its sharing type for the viewer (共享目录)

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "source_system": self.source_system, "source_id": self.source_id,
            "archival_code": self.archival_code, "title": self.title, "score": round(self.score, 6),
            "matched": self.matched, "department": self.department, "matter": self.matter,
            "decided_at": self.decided_at, "snippet": plain(self.snippet_marks) or None,
            "highlights": sorted({t for t, hit in self.title_marks + self.snippet_marks if hit}),
            "shared": self.shared,
        }  # fmt: skip


@dataclass
class SearchResult:
    query: str
    parsed: dict[str, Any]
    total: int
    hits: list[SearchHit] = field(default_factory=list)
    facets: dict[str, list[dict[str, Any]]] | None = None
    sort: str = "relevance"
    suggestions: list[str] = field(default_factory=list)  # "您要找的是不是 …": near identifiers
    understood: ParsedQuery | None = field(default=None, repr=False)  # what `parsed` was made from
    graph: dict[str, Any] | None = None  # a graph question's answer: the enterprises it names

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "parsed": self.parsed,
            "total": self.total,
            "hits": [h.as_json() for h in self.hits],
        }
        if self.suggestions:
            doc["suggestions"] = self.suggestions
        if self.facets is not None:
            doc["facets"] = self.facets
        if self.graph is not None:
            doc["graph"] = self.graph
        return doc


def hit_of(user: Principal, r: Record, score: float, matched: str | None = None) -> SearchHit:
    title = mask_text(r.title, r) if should_mask(user, r) else r.title
    share = shared_as(user, r)
    return SearchHit(r.id, r.source_system, r.source_id, r.archival_code, title, score, r.department.name,
                     r.matter.name, r.decided_at.isoformat(), matched, seq=r.seq, record=r,
                     shared=share.kind if share is not None else None)  # fmt: skip


def mark_hits(s: Session, user: Principal, hits: list[SearchHit], parsed: dict[str, Any]) -> None:
    """Title and snippet highlights of the page's hits (their texts in one query), masked first."""
    words = list(parsed["keywords"]) + [c["text"] for c in parsed["chips"] if c["kind"] != "time"]
    if not hits or not words:
        return
    seqs = [h.seq for h in hits]
    rows = s.execute(select(SearchDoc.record_seq, SearchDoc.body_text).where(SearchDoc.record_seq.in_(seqs)))
    texts: dict[int, str | None] = {seq: text for seq, text in rows}
    for h in hits:
        h.title_marks = marked(h.title, words)
        text = texts.get(h.seq)
        if text and h.record is not None and should_mask(user, h.record):
            text = mask_text(text, h.record)
        h.snippet_marks = snippet(text, parsed["keywords"]) if parsed["keywords"] else []
