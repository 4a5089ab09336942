"""Search: a query in plain Chinese read into filters and words, answered inside the access policy.

"2023年海港区的食品经营许可" is the exact set of records decided in 2023, in 海港区, of that matter — every
member, counted exactly, newest first; words left over rank inside the set. A query that is an
identifier (档号, 办件编号, 文号 in any brackets, USCC) is looked up exactly first and those hits lead,
saying what matched.

A query holding an ID-card or phone number finds only records whose personal data the user may see in
clear: otherwise the hit itself would confirm the number belongs to that applicant.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from dangan.access import Principal, record_filter, should_mask
from dangan.core import ValidationFailed, as_local, utcnow
from dangan.domain import personal_spans, region_prefix
from dangan.index import (
    ParsedQuery,
    catalogue_keys,
    enterprise_lookup,
    index_tokens,
    keyword_phrases,
    match_query,
    parse_query,
    person_lookup,
)
from dangan.services.archive import Archive
from dangan.services.records import any_embedded, meaning_scores, semantic_candidates
from dangan.store.catalog import Department, Matter, Record

from ._engine_search import by_engine, identifier_by_engine, ready_engine
from ._facets import facet_counts
from ._graph_search import by_graph
from ._identifiers import by_identifier, identifier, near_identifiers
from ._learning import LEARN_DEPTH, attractiveness, rerank
from ._results import TEXT_MATCH, SearchHit, SearchResult, hit_of, mark_hits

MAX_PERSONAL_HITS = 1000
SEMANTIC_DEPTH = 50  # how many nearest records a query that matched no text is offered
SEMANTIC_MATCH = "语义相近"
MAX_QUERY = 200
SORTS = ("relevance", "date")
MEANING_WEIGHT = 0.3  # meaning's share beside the words': it breaks near ties of the words, not clear leads


def clean_query(query: str) -> str:
    """The query as text the parser can read: no lone surrogates or control characters, and no longer
    than a person types (the web form and the API refuse longer ones with a message; here the rest is
    ignored, so no input makes a slow query)."""
    text = (query or "").encode("utf-8", "ignore").decode("utf-8")
    return "".join(ch if ch.isprintable() else " " for ch in text).strip()[:MAX_QUERY]


def conditions(parsed: ParsedQuery) -> list[ColumnElement[bool]]:
    """The SQL of every understood filter; each narrows the set (AND)."""
    out: list[ColumnElement[bool]] = []
    if parsed.time_from:
        out.append(Record.decided_at >= parsed.time_from)
    if parsed.time_to:
        out.append(Record.decided_at <= parsed.time_to)
    if parsed.district:
        prefix = region_prefix(parsed.district)
        out.append(
            Record.district == prefix if prefix == parsed.district else Record.district.like(prefix + "%")
        )
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
    fuse: bool = True,
) -> SearchResult:
    """The records `query` means that `user` may read, best first (or newest first), counted exactly.

    A ranking by relevance of words is reordered inside its first 50: with `fuse`, by meaning too (the
    query's nearness to each record's embedding, `fused`); with `learn`, by what people of the user's
    role opened for the same meaning (`_learning`). Sets that are only filters stay in date order."""
    if sort not in SORTS:
        raise ValidationFailed(
            f"排序方式“{sort}”无效，可选 relevance（相关度）、date（日期）", code="bad_sort"
        )
    if answered := by_graph(archive, user, clean_query(query), (limit, offset), facets):
        return answered
    result = _search_once(archive, user, query, limit, offset, sort=sort, facets=facets, today=today)
    if result.total == 0 and result.parsed["keywords"] and not result.suggestions and result.understood:
        return _by_meaning(archive, user, result, result.understood, (limit, offset), facets)
    if not (sort == "relevance" and result.parsed["keywords"] and offset < LEARN_DEPTH and result.total >= 2):
        return result
    if identifier(result.query):  # an identifier's exact hits lead; nothing reorders them
        return result
    top: SearchResult | None = None
    ranked: list[tuple[SearchHit, float]] = []
    if fuse and any_embedded(archive):  # else there is no meaning to fuse: no second search for it
        whole = offset == 0 and result.total <= len(result.hits)  # the page is the whole set already
        top = result if whole else _search_once(archive, user, query, LEARN_DEPTH, 0, sort=sort, today=today)
        meaning = meaning_scores(archive, query, [h.seq for h in top.hits])
        if meaning:
            ranked = fused(top.hits, meaning)
    weights: dict[int, float] = {}
    if learn:
        with archive.db.read() as s:
            weights = attractiveness(s, result.parsed, user.role.code)
    if not ranked and not weights:
        return result
    if not ranked:
        top = top or _search_once(archive, user, query, LEARN_DEPTH, 0, sort=sort, today=today)
        ranked = [(h, h.score) for h in top.hits]
    ordered = [hit for hit, _ in rerank(ranked, weights, lambda h: h.seq)]
    result.hits = ordered[offset : offset + limit]
    return result


def fused(hits: list[SearchHit], meaning: dict[int, float]) -> list[tuple[SearchHit, float]]:
    """The words' scores and the meaning's, each scaled to 0–1 over the candidates and mixed
    (MEANING_WEIGHT of meaning): a near tie of the words (common words score alike in many records) is
    broken by meaning, a clear lead of the words is not overturned. A convex mix of normalised scores
    rather than reciprocal ranks: ranks would treat a tie and a gap alike. Only members of the words'
    set are reordered — meaning never adds a record the words did not find, so an exact set stays
    exact. A record without a vector yet gets the lowest meaning."""
    scores = [h.score for h in hits]
    low, high = min(scores, default=0.0), max(scores, default=0.0)
    near = [meaning[h.seq] for h in hits if h.seq in meaning]
    m_low, m_high = min(near, default=0.0), max(near, default=0.0)

    def scaled(value: float, lo: float, hi: float) -> float:
        return (value - lo) / (hi - lo) if hi > lo else 1.0

    def value(hit: SearchHit) -> float:
        by_meaning = scaled(meaning[hit.seq], m_low, m_high) if hit.seq in meaning else 0.0
        return (1 - MEANING_WEIGHT) * scaled(hit.score, low, high) + MEANING_WEIGHT * by_meaning

    scored = [(hit, value(hit)) for hit in hits]
    return sorted(scored, key=lambda pair: -pair[1])


def _by_meaning(
    archive: Archive,
    user: Principal,
    words: SearchResult,
    parsed: ParsedQuery,
    page: tuple[int, int],
    facets: bool,
) -> SearchResult:
    """When the words match no text ("开饭店需要办的许可"), the records nearest in meaning (the embedding
    index, inside the policy), narrowed by whatever filters the query also set, marked "语义相近".
    Lexical answers are never mixed with these: a set of words stays exactly the records that hold them."""
    limit, offset = page
    nearest = semantic_candidates(archive, user, words.query, k=SEMANTIC_DEPTH)
    if not nearest:
        return words
    scores = dict(nearest)
    doc = dict(words.parsed) | {"semantic": True}
    with archive.db.read() as s:
        narrowed = [*conditions(parsed), Record.seq.in_(list(scores)), record_filter(user)]
        rows = {r.seq: r for r in s.scalars(select(Record).where(and_(*narrowed)))}
        kept = [seq for seq, _ in nearest if seq in rows]
        hits = [hit_of(user, rows[seq], scores[seq], SEMANTIC_MATCH) for seq in kept[offset : offset + limit]]
        mark_hits(s, user, hits, doc)
        counted = facet_counts(s, None, [rows[seq].id for seq in kept]) if facets else None
    return SearchResult(words.query, doc, len(kept), hits, counted, words.sort, understood=parsed)


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
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    day = today or as_local(utcnow(), archive.settings.timezone).date()
    personal = bool(personal_spans(query))
    engine = None if personal else ready_engine(archive)
    with archive.db.read() as s:
        parsed = parse_query(query, catalogue_keys(s, archive.settings.home / "index"), day, enterprise_named=enterprise_lookup(s),
                             person_named=person_lookup(s))  # fmt: skip
        ident = identifier(query)
        stmt: Select[Record, float] | None
        first = by_identifier(s, user, ident, clear_only=personal) if ident else []
        if ident and (first or not parsed.has_filters):
            parsed = ParsedQuery(parsed.text, keywords=(ident,))  # a number is looked up, not read as words
            whole = [index_tokens(ident).split()]  # and found in the text only whole, in its order
            if engine is not None and whole[0] and not personal:
                return identifier_by_engine(s, engine, user, query, parsed, first, whole, (limit, offset), sort,
                                             facets)  # fmt: skip
            stmt = match_query(s, query, record_filter(user), phrases=whole if whole[0] else None)
            stmt = _ordered(stmt, sort, stmt.selected_columns[1]) if stmt is not None else None
        elif engine is not None:
            return by_engine(s, engine, user, query, parsed, (limit, offset), sort, facets)
        else:
            stmt = _statement(s, user, query, parsed, sort)
        doc = parsed.as_json()
        if stmt is None and not first:
            near = near_identifiers(s, user, ident, engine) if ident else []
            return SearchResult(query, doc, 0, facets={} if facets else None, sort=sort, suggestions=near,
                                understood=parsed)  # fmt: skip
        if stmt is not None and first:
            stmt = stmt.where(Record.id.not_in([h.record_id for h in first]))
        if personal:  # only records whose personal data this user sees in clear (module docstring)
            rows = s.execute(stmt.limit(MAX_PERSONAL_HITS)).all() if stmt is not None else []
            rest = [hit_of(user, r, float(score)) for r, score in rows if not should_mask(user, r)]
            everything = first + rest
            page = everything[offset : offset + limit]
            mark_hits(s, user, page, doc)
            return SearchResult(query, doc, len(everything), page, sort=sort, understood=parsed)
        total = len(first)
        if stmt is not None:
            total += s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        hits = first[offset : offset + limit]
        if stmt is not None and len(hits) < limit:
            skip = max(0, offset - len(first))
            rows = s.execute(stmt.offset(skip).limit(limit - len(hits))).all()
            in_text = TEXT_MATCH if ident else None  # a number found in the materials (许可证编号, 受理编号)
            hits += [hit_of(user, r, float(score), in_text) for r, score in rows]
        counted = facet_counts(s, stmt, [h.record_id for h in first]) if facets else None
        mark_hits(s, user, hits, doc)
        near = near_identifiers(s, user, ident, engine) if ident and not total else []
    return SearchResult(query, doc, int(total), hits, counted, sort, near, understood=parsed)
