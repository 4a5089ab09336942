"""The search box's graph questions ("张伟担任法定代表人的企业", "与<企业>同一法定代表人的企业",
"<地址>的企业"), answered from the knowledge graph instead of from words (`dangan.graph.read_question`,
`dangan.services.graph.answer_question`)."""

from __future__ import annotations

from sqlalchemy import Float, func, literal, select

from dangan.access import Principal, record_filter
from dangan.graph import REPRESENTED_BY, read_question
from dangan.index import ParsedQuery
from dangan.services.archive import Archive
from dangan.services.graph import answer_question
from dangan.store.catalog import Record

from ._facets import facet_counts
from ._results import SearchResult, hit_of, mark_hits


def by_graph(
    archive: Archive, user: Principal, query: str, page: tuple[int, int], facets: bool
) -> SearchResult | None:
    """A graph question ("张伟担任法定代表人的企业"): the enterprises it names, and as hits every readable
    record in which they applied, newest first — an exact set, like a filter's. None when the graph holds
    nothing for it that this user may see: the query is then searched as words."""
    question = read_question(query)
    if question is None:
        return None
    limit, offset = max(1, min(page[0], 500)), max(0, page[1])
    with archive.db.read() as s:
        answer = answer_question(s, user, question)
        if answer is None:
            return None
        understood = ParsedQuery(
            question.subject, person=question.subject if question.kind == REPRESENTED_BY else None
        )
        doc = understood.as_json() | {"graph": question.as_json()}
        score = literal(1.0, Float).label("score")
        stmt = (
            select(Record, score)
            .where(Record.id.in_(answer.records), record_filter(user))
            .order_by(Record.decided_at.desc(), Record.seq.desc())
        )
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        hits = [hit_of(user, r, float(v)) for r, v in s.execute(stmt.offset(offset).limit(limit))]
        mark_hits(s, user, hits, doc)
        counted = facet_counts(s, stmt, []) if facets else None
    return SearchResult(query, doc, int(total), hits, counted, "date", understood=understood,
                        graph=answer.as_json())  # fmt: skip
