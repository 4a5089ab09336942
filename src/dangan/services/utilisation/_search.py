"""Search: a query in plain Chinese read into filters and words, answered inside the access policy.

"2023年海港区的食品经营许可" is the exact set of records decided in 2023, in 海港区, of that matter — every
member, counted exactly, newest first; words left over rank inside the set. A query that is an
identifier (档号, 办件编号, 文号 in any brackets, USCC) is looked up exactly first and those hits lead,
saying what matched.

A query holding an ID-card or phone number finds only records whose personal data the user may see in
clear: otherwise the hit itself would confirm the number belongs to that applicant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from dangan.access import Principal, mask_text, record_filter, should_mask
from dangan.core import ValidationFailed, as_local, utcnow
from dangan.domain import personal_spans
from dangan.index import (
    Engine,
    ParsedQuery,
    catalogue_keys,
    enterprise_lookup,
    index_tokens,
    keyword_phrases,
    match_query,
    parse_query,
    person_lookup,
    query_phrases,
)
from dangan.services.archive import Archive
from dangan.store.catalog import Department, Matter, Record, SearchDoc

from ._engine_search import access_of, facet_rows, filters_of, ready_engine
from ._facets import facet_counts, format_facets
from ._highlight import Segments, marked, plain, snippet
from ._learning import LEARN_DEPTH, attractiveness, rerank

IDENTIFIER_FIELDS = (
    ("archival_code", "档号"), ("source_id", "办件编号"), ("doc_number", "文号"), ("applicant_uscc", "统一社会信用代码"),
)  # fmt: skip
MAX_PERSONAL_HITS = 1000
MAX_QUERY = 200
TEXT_MATCH = "材料正文"
SORTS = ("relevance", "date")
_BRACKETS = re.compile(r"[\[【(（〔]\s*((?:19|20)\d{2})\s*[\]】)）〕]")


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

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "source_system": self.source_system, "source_id": self.source_id,
            "archival_code": self.archival_code, "title": self.title, "score": round(self.score, 6),
            "matched": self.matched, "department": self.department, "matter": self.matter,
            "decided_at": self.decided_at, "snippet": plain(self.snippet_marks) or None,
            "highlights": sorted({t for t, hit in self.title_marks + self.snippet_marks if hit}),
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
        return doc


def clean_query(query: str) -> str:
    """The query as text the parser can read: no lone surrogates or control characters, and no longer
    than a person types (the web form and the API refuse longer ones with a message; here the rest is
    ignored, so no input makes a slow query)."""
    text = (query or "").encode("utf-8", "ignore").decode("utf-8")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()[:MAX_QUERY]


def _identifier(query: str) -> str | None:
    """The query as an identifier: one word of 4-120 characters with a digit, mostly letters and digits
    (a 文号 has a few Chinese characters, "2023年海港区的食品经营许可" is a sentence), else None."""
    text = query.strip()
    if not 4 <= len(text) <= 120 or any(ch.isspace() for ch in text) or not any(ch.isdigit() for ch in text):
        return None
    chinese = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    ascii_alnum = sum(1 for ch in text if ch.isascii() and ch.isalnum())
    return text if chinese <= 6 and ascii_alnum >= 4 else None


def _identifier_forms(ident: str) -> set[str]:
    """文号 are typed with whatever brackets the keyboard has: 〔2023〕, [2023], 【2023】, (2023)."""
    forms = {ident, ident.upper()}
    canonical = _BRACKETS.sub(r"〔\1〕", ident)
    forms.update({canonical, canonical.upper()})
    return forms


def _hit(user: Principal, r: Record, score: float, matched: str | None = None) -> SearchHit:
    title = mask_text(r.title, r) if should_mask(user, r) else r.title
    return SearchHit(r.id, r.source_system, r.source_id, r.archival_code, title, score, r.department.name,
                     r.matter.name, r.decided_at.isoformat(), matched, seq=r.seq)  # fmt: skip


def _mark(s: Session, user: Principal, hits: list[SearchHit], parsed: dict[str, Any]) -> None:
    """Title and snippet highlights of the page's hits (their texts in one query), masked first."""
    words = list(parsed["keywords"]) + [c["text"] for c in parsed["chips"] if c["kind"] != "time"]
    if not hits or not words:
        return
    seqs = [h.seq for h in hits]
    rows = s.execute(select(SearchDoc.record_seq, SearchDoc.body_text).where(SearchDoc.record_seq.in_(seqs)))
    texts: dict[int, str | None] = {seq: text for seq, text in rows}
    records = {r.seq: r for r in s.scalars(select(Record).where(Record.seq.in_(seqs)))}
    for h in hits:
        h.title_marks = marked(h.title, words)
        text = texts.get(h.seq)
        if text and should_mask(user, records[h.seq]):
            text = mask_text(text, records[h.seq])
        h.snippet_marks = snippet(text, parsed["keywords"]) if parsed["keywords"] else []


def _by_identifier(s: Session, user: Principal, ident: str, *, clear_only: bool = False) -> list[SearchHit]:
    """Records whose identifier column equals the query; `clear_only` keeps those whose personal data the
    user sees in clear (the query holds a personal number)."""
    wanted = _identifier_forms(ident)
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


def _near_identifiers(s: Session, user: Principal, ident: str) -> list[str]:
    """Identifiers one character away from a typed one that found nothing ("您要找的是不是 …"); only
    those of records the user may read, so a suggestion never reveals another.

    Candidates share the typed text's first two thirds (then its first third) — an index range scan, not a
    scan of every record — and are kept when exactly one character differs."""
    wanted = ident.upper()
    if not 6 <= len(wanted) <= 40:
        return []
    found: list[str] = []
    for name, _label in IDENTIFIER_FIELDS:
        column = getattr(Record, name)
        for cut in (2 * len(wanted) // 3, len(wanted) // 3):
            if cut < 2 or len(found) >= 3:
                continue
            head = wanted[:cut]
            values = s.scalars(
                select(column)
                .where(column >= head, column < head + "\U0010ffff", record_filter(user))
                .limit(5000)
            )
            for value in values:
                if value and value not in found and _one_off(value.upper(), wanted):
                    found.append(value)
    return found[:3]


def _one_off(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def conditions(parsed: ParsedQuery) -> list[ColumnElement[bool]]:
    """The SQL of every understood filter; each narrows the set (AND)."""
    out: list[ColumnElement[bool]] = []
    if parsed.time_from:
        out.append(Record.decided_at >= parsed.time_from)
    if parsed.time_to:
        out.append(Record.decided_at <= parsed.time_to)
    if parsed.district:
        code = parsed.district
        if code.endswith("0000"):
            out.append(Record.district.like(code[:2] + "%"))
        elif code.endswith("00"):
            out.append(Record.district.like(code[:4] + "%"))
        else:
            out.append(Record.district == code)
    if parsed.department:
        names = parsed.departments or (parsed.department,)
        out.append(Record.department_id.in_(select(Department.id).where(Department.name.in_(names))))
    if parsed.matter:
        names = parsed.matters or (parsed.matter,)
        out.append(Record.matter_id.in_(select(Matter.id).where(Matter.name.in_(names))))
    if parsed.industry:
        out.append(Record.industry.like(parsed.industry + "%"))
    if parsed.result:
        out.append(Record.result == parsed.result)
    if parsed.security_level:
        out.append(Record.security_level == parsed.security_level)
    if parsed.enterprise:
        out.append(
            or_(Record.applicant_uscc == parsed.enterprise, Record.applicant_name == parsed.enterprise)
        )
    if parsed.person:
        out.append(or_(Record.legal_representative == parsed.person,
                       and_(Record.applicant_type == "个人", Record.applicant_name == parsed.person)))  # fmt: skip
    return out


def _ordered(stmt: Select[Record, float], sort: str, score: Any) -> Select[Record, float]:
    if sort == "date":
        return stmt.order_by(None).order_by(Record.decided_at.desc(), Record.seq.desc())
    return stmt.order_by(None).order_by(score.desc(), Record.decided_at.desc(), Record.seq.desc())


def _statement(
    s: Session, user: Principal, query: str, parsed: ParsedQuery, sort: str
) -> Select[Record, float] | None:
    """(Record, score) of every record the query means, inside the policy; None when it means nothing."""
    where = and_(record_filter(user), *conditions(parsed))
    phrases = keyword_phrases(parsed.keywords)
    if phrases:
        stmt = match_query(s, query, where, phrases=phrases)
        if stmt is None:
            return None
        return _ordered(stmt, sort, stmt.selected_columns[1])
    if parsed.has_filters:
        score = literal(1.0, Float).label("score")
        return select(Record, score).where(where).order_by(Record.decided_at.desc(), Record.seq.desc())
    stmt = match_query(s, query, record_filter(user))  # nothing understood: the words as typed
    return _ordered(stmt, sort, stmt.selected_columns[1]) if stmt is not None else None


def search(
    archive: Archive,
    user: Principal,
    query: str,
    limit: int = 20,
    offset: int = 0,
    *,
    sort: str = "relevance",
    facets: bool = False,
    today: date | None = None,
    learn: bool = True,
) -> SearchResult:
    """The records `query` means that `user` may read, best first (or newest first), counted exactly.

    With `learn`, a ranking by relevance is reordered inside its first 50 by what people of the user's
    role opened for the same meaning (`_learning`); sets that are only filters stay in date order."""
    result = _search_once(archive, user, query, limit, offset, sort=sort, facets=facets, today=today)
    if not (learn and sort == "relevance" and result.parsed["keywords"] and offset < LEARN_DEPTH):
        return result
    if result.total < 2:
        return result
    with archive.db.read() as s:
        weights = attractiveness(s, result.parsed, user.role.code)
    if not weights:
        return result
    top = _search_once(archive, user, query, LEARN_DEPTH, 0, sort=sort, facets=False, today=today)
    ordered = [hit for hit, _ in rerank([(h, h.score) for h in top.hits], weights, lambda h: h.seq)]
    result.hits = ordered[offset : offset + limit]
    return result


def _search_once(
    archive: Archive,
    user: Principal,
    query: str,
    limit: int = 20,
    offset: int = 0,
    *,
    sort: str = "relevance",
    facets: bool = False,
    today: date | None = None,
) -> SearchResult:
    query = clean_query(query)
    if sort not in SORTS:
        raise ValidationFailed(
            f"排序方式“{sort}”无效，可选 relevance（相关度）、date（日期）", code="bad_sort"
        )
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    day = today or as_local(utcnow(), archive.settings.timezone).date()
    personal = bool(personal_spans(query))
    engine = None if personal else ready_engine(archive)
    with archive.db.read() as s:
        parsed = parse_query(query, catalogue_keys(s), day, enterprise_named=enterprise_lookup(s),
                             person_named=person_lookup(s))  # fmt: skip
        ident = _identifier(query)
        stmt: Select[Record, float] | None
        first = _by_identifier(s, user, ident, clear_only=personal) if ident else []
        if ident and (first or not parsed.has_filters):
            parsed = ParsedQuery(parsed.text, keywords=(ident,))  # a number is looked up, not read as words
            whole = [index_tokens(ident).split()]  # and found in the text only whole, in its order
            stmt = match_query(s, query, record_filter(user), phrases=whole if whole[0] else None)
            stmt = _ordered(stmt, sort, stmt.selected_columns[1]) if stmt is not None else None
        elif engine is not None:
            return _by_engine(s, engine, user, query, parsed, (limit, offset), sort, facets)
        else:
            stmt = _statement(s, user, query, parsed, sort)
        doc = parsed.as_json()
        if stmt is None and not first:
            near = _near_identifiers(s, user, ident) if ident else []
            return SearchResult(query, doc, 0, facets={} if facets else None, sort=sort, suggestions=near)
        if stmt is not None and first:
            stmt = stmt.where(Record.id.not_in([h.record_id for h in first]))
        if personal:  # only records whose personal data this user sees in clear (module docstring)
            rows = s.execute(stmt.limit(MAX_PERSONAL_HITS)).all() if stmt is not None else []
            rest = [_hit(user, r, float(score)) for r, score in rows if not should_mask(user, r)]
            everything = first + rest
            page = everything[offset : offset + limit]
            _mark(s, user, page, doc)
            return SearchResult(query, doc, len(everything), page, sort=sort)
        total = len(first)
        if stmt is not None:
            total += s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        hits = first[offset : offset + limit]
        if stmt is not None and len(hits) < limit:
            skip = max(0, offset - len(first))
            rows = s.execute(stmt.offset(skip).limit(limit - len(hits))).all()
            in_text = TEXT_MATCH if ident else None  # a number found in the materials (许可证编号, 受理编号)
            hits += [_hit(user, r, float(score), in_text) for r, score in rows]
        counted = facet_counts(s, stmt, [h.record_id for h in first]) if facets else None
        _mark(s, user, hits, doc)
        near = _near_identifiers(s, user, ident) if ident and not total else []
    return SearchResult(query, doc, int(total), hits, counted, sort, near)


def _by_engine(
    s: Session, engine: Engine, user: Principal, query: str, parsed: ParsedQuery, page: tuple[int, int],
    sort: str, facets: bool,
) -> SearchResult:  # fmt: skip
    """The same answer as `_statement` over the catalogue, from the embedded engine: count, page, facets."""
    limit, offset = page
    doc = parsed.as_json()
    empty = SearchResult(query, doc, 0, facets=format_facets({}) if facets else None, sort=sort)
    filters = filters_of(s, parsed)
    if parsed.keywords:
        phrases = keyword_phrases(parsed.keywords)
    else:
        phrases = [] if parsed.has_filters else query_phrases(query)
    if filters is None or (not phrases and not parsed.has_filters):
        return empty
    q = engine.query(phrases, filters, access_of(s, user))
    total, pairs = engine.search(q, limit, offset, by_date=sort == "date" or not phrases)
    records = {r.seq: r for r in s.scalars(select(Record).where(Record.seq.in_([seq for seq, _ in pairs])))}
    hits = [_hit(user, records[seq], score) for seq, score in pairs if seq in records]
    counted = format_facets(facet_rows(s, engine.facets(q))) if facets else None
    _mark(s, user, hits, doc)
    return SearchResult(query, doc, total, hits, counted, sort)
