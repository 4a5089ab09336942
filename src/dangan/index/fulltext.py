"""Full-text search in the catalogue database: SQLite FTS5 embedded, PostgreSQL tsvector scaled.

The index lives in the same database as the records, written in the same transaction as the record, so
a record is searchable exactly when it exists — no second store to drift or to repair after a crash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, func, insert, literal_column, select, table, text
from sqlalchemy.orm import Session

from dangan.core import utcnow
from dangan.store.catalog import Record, SearchDoc, SearchOutbox

from .segment import PREFIX, index_tokens, query_phrases

SNIPPET_SOURCE_CHARS = 8000  # the text kept for snippets: the start of the materials, not all of them


def document_tokens(title: str, body_parts: list[str]) -> tuple[str, str, str]:
    """A record's title and body as the index stores them, and the readable start of the body that
    snippets are cut from; computable before the write transaction."""
    body = " ".join(p for p in body_parts if p)
    return index_tokens(title), index_tokens(body), " ".join(body.split())[:SNIPPET_SOURCE_CHARS]


def index_record(session: Session, record: Record, body_parts: list[str], *, new: bool = False) -> None:
    """Add or replace the search document of one record (inside the caller's transaction)."""
    title, body, text = document_tokens(record.title, body_parts)
    doc = None if new else session.get(SearchDoc, record.seq)
    if doc is None:
        add_document(session, record.seq, (title, body, text))
    else:
        doc.title_tokens, doc.body_tokens, doc.body_text = title, body, text
        session.add(SearchOutbox(record_seq=record.seq))
        session.flush()


def add_document(session: Session, record_seq: int, tokens: tuple[str, str, str]) -> None:
    """Insert a new record's search document (from `document_tokens`), and its outbox row for the engine,
    inside the caller's transaction."""
    session.connection().execute(
        insert(SearchDoc),
        {
            "record_seq": record_seq,
            "title_tokens": tokens[0],
            "body_tokens": tokens[1],
            "body_text": tokens[2],
        },
    )
    session.connection().execute(insert(SearchOutbox), {"record_seq": record_seq, "created_at": utcnow()})


def _fts5_expression(phrases: list[list[str]]) -> str:
    parts = []
    for tokens in phrases:
        if len(tokens) == 1 and tokens[0].endswith(PREFIX):
            parts.append('"' + tokens[0][: -len(PREFIX)].replace('"', '""') + '"*')
            continue
        quoted = " ".join(t.replace('"', '""') for t in tokens)
        parts.append(f'"{quoted}"')
    return " AND ".join(parts)


def _tsquery(phrases: list[list[str]]) -> str:
    def lexeme(token: str) -> str:
        if token.endswith(PREFIX):
            return lexeme(token[: -len(PREFIX)]) + ":*"
        return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"

    return " & ".join("(" + " <-> ".join(lexeme(t) for t in tokens) + ")" for tokens in phrases)


def match_query(
    session: Session,
    query: str,
    where: ColumnElement[bool] | None,
    *,
    phrases: list[list[str]] | None = None,
) -> Select[Record, float] | None:
    """A select of (Record, score), best first, or None when the query has no searchable terms.
    `phrases` (from `keyword_phrases`) replace the raw query's when the parser has read it."""
    phrases = query_phrases(query) if phrases is None else phrases
    if not phrases:
        return None
    condition = where if where is not None else literal_column("1=1")
    if session.get_bind().dialect.name == "sqlite":
        fts = table("search_fts", column("rowid"))
        score = (-func.bm25(literal_column("search_fts"), 10.0, 1.0)).label("score")
        return (
            select(Record, score)
            .join(fts, fts.c.rowid == Record.seq)
            .where(text("search_fts MATCH :q").bindparams(q=_fts5_expression(phrases)), condition)
            .order_by(score.desc(), Record.seq.desc())
        )
    tsv: ColumnElement[Any] = literal_column("search_doc.tsv")
    tsq = func.to_tsquery("simple", _tsquery(phrases))
    score = func.ts_rank(tsv, tsq).label("score")
    return (
        select(Record, score)
        .join(SearchDoc, SearchDoc.record_seq == Record.seq)
        .where(and_(tsv.op("@@")(tsq), condition))
        .order_by(score.desc(), Record.seq.desc())
    )
