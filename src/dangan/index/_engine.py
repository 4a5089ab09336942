"""The embedded search engine (tantivy): a derived index of the catalogue for counts, top hits and facets
at a million records.

Derived, never primary: every change of a record's search document is written to `search_outbox` in
the record's own transaction; `catch_up` (`_outbox`) applies the outbox to the index (delete by seq, add) and only
then deletes the rows it applied, so a crash at any point leaves either nothing applied (the rows are
still there) or rows applied twice (idempotent). Searches use the engine only when the outbox is empty;
otherwise the catalogue's own full-text search answers, with the same results.

Documents carry the same bigram tokens as FTS5 (`segment.index_tokens`), split on white space, so a
phrase means the same in both; and, derived from them, the trigrams of each Chinese run (`trigrams`), so
a word of three characters (申请书) is one term and a longer one a phrase of fewer, rarer terms than its
bigrams — the same set, found without checking a million positions. Filters and the access policy are fields: department and matter ids,
the decision date as a day number, GB/T 2260 codes with their prefixes, GB/T 4754 codes with theirs,
result, level and rank, open-to-public, applicant name, USCC and legal representative.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.domain import SecurityLevel
from dangan.store.catalog import Record, SearchDoc

from .segment import PREFIX

SCHEMA_VERSION = "3"
FACET_FIELDS = {"department": "dept", "matter": "matter", "year": "year", "district": "county",
                "industry": "industry3", "result": "result", "security_level": "level"}  # fmt: skip
_TOP_RANK = max(level.rank for level in SecurityLevel)
_CACHED = 512  # (total, facets) of the last queries, per process: paging and repeated queries count once
_SETTLE_S = 1.0  # another process's commit reaches this reader within about this long
# tantivy releases the GIL while it searches: the facet pass runs beside the hits, on the second core
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dangan-facets")


@dataclass(frozen=True)
class Filters:
    """What narrows the set, as engine terms (the search service translates the parsed query)."""

    date_from: date | None = None
    date_to: date | None = None
    district: str | None = None  # a code or code prefix (130302, 1303, 13)
    departments: tuple[int, ...] = ()
    matters: tuple[int, ...] = ()
    industry: str | None = None  # a code or code prefix (H62)
    result: str | None = None
    level: str | None = None
    enterprise: str | None = None  # applicant name or USCC
    person: str | None = None
    exclude: tuple[int, ...] = ()  # seqs already listed (an identifier's exact hits)


@dataclass(frozen=True)
class Access:
    """The access policy as engine terms: nothing, public records, or up to a rank (in departments),
    plus records granted one by one."""

    none: bool = False
    public_only: bool = False
    max_rank: int = 0
    departments: tuple[int, ...] | None = None  # None: every department
    granted: tuple[int, ...] = ()  # seqs
    public_rank: int = 0  # the rank of 公开, what public_only allows

    @property
    def everything(self) -> bool:
        """Reads every record: the policy adds no clause (a range over a million ranks costs ~10 ms)."""
        return not (self.none or self.public_only) and self.departments is None and self.max_rank >= _TOP_RANK


@dataclass
class Found:
    total: int
    hits: list[tuple[int, float]]  # (seq, score)
    facets: dict[str, list[tuple[Any, int]]] | None = None


_RUN_BREAK = "|"  # between runs in the trigram fields: a phrase never spans two runs


def _cjk_pair(token: str) -> bool:
    return len(token) == 2 and all("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in token)


def trigrams(tokens: Sequence[str]) -> list[str]:
    """The trigrams of the runs a bigram token stream came from: 海港 港区 区 → 海港区. Two consecutive
    Chinese bigrams overlapping by a character are one run (a run ends in its one-character tail), so
    the stream alone tells the runs apart; a break marker keeps runs from being adjacent."""
    out: list[str] = []
    for a, b in pairwise(tokens):
        if _cjk_pair(a) and _cjk_pair(b) and a[1] == b[0]:
            out.append(a + b[1])
        elif out and out[-1] != _RUN_BREAK:
            out.append(_RUN_BREAK)
    return out


def _trigram_phrase(tokens: Sequence[str]) -> list[str] | None:
    """A phrase of Chinese bigrams (申请 请书) as trigrams (申请书); None when it is not one run."""
    if len(tokens) < 2 or not all(_cjk_pair(t) for t in tokens):
        return None
    grams = trigrams(list(tokens))
    return grams if len(grams) == len(tokens) - 1 and _RUN_BREAK not in grams else None


def _district_terms(code: str | None) -> list[str]:
    if not code or len(code) != 6:
        return []
    return [code, code[:4], code[:2]]


def _industry_terms(code: str | None) -> list[str]:
    if not code:
        return []
    return [code[:n] for n in range(1, len(code) + 1)]


class Engine:
    """One tantivy index in `DATA/index/engine-v1`, opened once per process."""

    def __init__(self, root: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("seq", stored=True, indexed=True, fast=True)
        sb.add_text_field("title", tokenizer_name="whitespace", index_option="position")
        sb.add_text_field("body", tokenizer_name="whitespace", index_option="position")
        sb.add_text_field("title3", tokenizer_name="whitespace", index_option="position")
        sb.add_text_field("body3", tokenizer_name="whitespace", index_option="position")
        for name in ("dept", "matter", "year", "day", "rank", "public"):
            sb.add_integer_field(name, indexed=True, fast=True)
        for name in ("county", "industry3", "result", "level"):
            sb.add_text_field(name, tokenizer_name="raw", fast=True)
        for name in ("district", "industry", "applicant", "person", "ident"):
            sb.add_text_field(name, tokenizer_name="raw")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema, path=str(root))
        self._counted: OrderedDict[Any, tuple[int, dict[str, list[tuple[Any, int]]] | None]] = OrderedDict()
        self._counted_lock = threading.Lock()

    # -- writing ------------------------------------------------------------------------------------
    def _document(self, r: Record, doc: SearchDoc) -> Any:
        d = self.tantivy.Document()
        d.add_unsigned("seq", r.seq)
        d.add_text("title", doc.title_tokens)
        d.add_text("body", doc.body_tokens)
        d.add_text("title3", " ".join(trigrams(doc.title_tokens.split())))
        d.add_text("body3", " ".join(trigrams(doc.body_tokens.split())))
        d.add_integer("dept", r.department_id)
        d.add_integer("matter", r.matter_id)
        d.add_integer("year", r.decided_at.year)
        d.add_integer("day", r.decided_at.toordinal())
        d.add_integer("rank", r.security_rank)
        d.add_integer("public", 1 if r.open_to_public else 0)
        d.add_text("county", r.district or "")
        d.add_text("industry3", (r.industry or "")[:3])
        d.add_text("result", r.result or "")
        d.add_text("level", r.security_level or "")
        for term in _district_terms(r.district):
            d.add_text("district", term)
        for term in _industry_terms(r.industry):
            d.add_text("industry", term)
        for value in (r.applicant_name, r.applicant_uscc):
            if value:
                d.add_text("applicant", value)
        for value in (r.archival_code, r.source_id, r.doc_number, r.applicant_uscc):
            if value:
                d.add_text("ident", value.upper())
        if r.legal_representative:
            d.add_text("person", r.legal_representative)
        if r.applicant_type == "个人" and r.applicant_name:
            d.add_text("person", r.applicant_name)
        return d

    def apply(self, s: Session, seqs: Sequence[int]) -> None:
        """Make the index hold exactly the catalogue's current documents of `seqs` (gone ones removed)."""
        writer = self.index.writer(64_000_000, 1)
        try:
            if seqs:  # by query: tantivy-py's delete by term reads an int as i64 and misses u64 terms
                writer.delete_documents_by_query(self._terms("seq", list(seqs)))
            rows = s.execute(select(Record, SearchDoc).join(SearchDoc, SearchDoc.record_seq == Record.seq)
                             .where(Record.seq.in_(list(seqs)))).all()  # fmt: skip
            for record, doc in rows:
                writer.add_document(self._document(record, doc))
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        self.index.reload()

    # -- reading ------------------------------------------------------------------------------------
    def _terms(self, field: str, values: Sequence[Any]) -> Any:
        q = self.tantivy.Query
        if len(values) == 1:
            return q.term_query(self.schema, field, values[0])
        return q.term_set_query(self.schema, field, list(values))

    def _range(self, field: str, low: int | None, high: int | None) -> Any:
        ft = self.tantivy.FieldType.Integer
        return self.tantivy.Query.range_query(self.schema, field, ft, low, high)

    def _phrase(self, tokens: list[str]) -> Any:
        q = self.tantivy.Query
        clauses = []
        grams = _trigram_phrase(tokens)
        if grams is not None:  # the same set as the bigrams' phrase: fewer, rarer terms, fewer positions
            tokens, fields = grams, (("title3", 10.0), ("body3", 1.0))
        else:
            fields = (("title", 10.0), ("body", 1.0))
        for field, boost in fields:
            if len(tokens) == 1 and tokens[0].endswith(PREFIX):
                import re

                one = q.regex_query(self.schema, field, re.escape(tokens[0][: -len(PREFIX)]) + ".*")
            elif len(tokens) == 1:
                one = q.term_query(self.schema, field, tokens[0])
            else:
                one = q.phrase_query(self.schema, field, list[str | tuple[int, str]](tokens))
            clauses.append(q.boost_query(one, boost))
        return q.boolean_query([(self.tantivy.Occur.Should, c) for c in clauses])

    def query(self, phrases: list[list[str]], filters: Filters, access: Access) -> Any:
        q, must = self.tantivy.Query, self.tantivy.Occur.Must
        if access.none:
            return q.empty_query()
        parts = [(must, self._phrase(p)) for p in phrases]
        const: list[Any] = []
        if filters.date_from or filters.date_to:
            low = filters.date_from.toordinal() if filters.date_from else None
            high = filters.date_to.toordinal() if filters.date_to else None
            const.append(self._range("day", low, high))
        if filters.district:
            const.append(self._terms("district", [filters.district]))
        if filters.departments:
            const.append(self._terms("dept", filters.departments))
        if filters.matters:
            const.append(self._terms("matter", filters.matters))
        if filters.industry:
            const.append(self._terms("industry", [filters.industry]))
        for field, value in (("result", filters.result), ("level", filters.level),
                             ("applicant", filters.enterprise), ("person", filters.person)):  # fmt: skip
            if value:
                const.append(self._terms(field, [value]))
        if not access.everything:
            const.append(self._access(access))
        parts += [(must, q.const_score_query(c, 0.0)) for c in const]
        if filters.exclude:
            parts.append((self.tantivy.Occur.MustNot, self._terms("seq", filters.exclude)))
        if not phrases:
            parts.append((must, q.all_query()))
        return q.boolean_query(parts)

    def _access(self, access: Access) -> Any:
        q, must, should = self.tantivy.Query, self.tantivy.Occur.Must, self.tantivy.Occur.Should
        if access.public_only:
            public = [(must, self._terms("public", [1])), (must, self._terms("rank", [access.public_rank]))]
            by_role = q.boolean_query(public)
        else:
            inner = [(must, self._range("rank", None, access.max_rank))]
            if access.departments is not None:
                inner.append((must, self._terms("dept", access.departments) if access.departments
                              else q.empty_query()))  # fmt: skip
            by_role = q.boolean_query(inner)
        if not access.granted:
            return by_role
        granted = q.boolean_query([(must, self._terms("seq", access.granted)),
                                   (must, self._range("rank", None, access.max_rank))])  # fmt: skip
        return q.boolean_query([(should, by_role), (should, granted)], minimum_number_should_match=1)

    def search(
        self, query: Any, limit: int, offset: int, by_date: bool, count: bool = True
    ) -> tuple[int, list[tuple[int, float]]]:
        """Without `count` the total is left to the caller (it knows it) and tantivy may skip blocks."""
        searcher: Any = self.index.searcher()
        if by_date:
            found = searcher.search(query, limit, count=count, order_by_field="day", offset=offset)
        else:
            found = searcher.search(query, limit, count=count, offset=offset)
        seqs = searcher.fast_field_values("seq", [a for _, a in found.hits])
        scores = [1.0 if by_date else float(score) for score, _ in found.hits]
        return int(found.count or 0), [(int(seq), score) for seq, score in zip(seqs, scores, strict=True)]

    def run(
        self, phrases: list[list[str]], filters: Filters, access: Access, *, limit: int, offset: int,
        by_date: bool, facets: bool,
    ) -> Found:  # fmt: skip
        """Hits, exact total and (when asked) facets of one query.

        The facet pass runs on another thread while the hits are collected, and the total and facets
        are kept per index generation, so the next page of the same query (or the same query again)
        pays only for its hits. A kept entry can never outlive the index state it was counted on."""
        generation = self._generation()
        key = None
        if generation is not None:
            key = (generation, tuple(tuple(p) for p in phrases), filters, access)
        with self._counted_lock:
            kept = self._counted.get(key) if key is not None else None
            if kept is not None:
                self._counted.move_to_end(key)
        query = self.query(phrases, filters, access)
        counting: Future[dict[str, list[tuple[Any, int]]]] | None = None
        if facets and (kept is None or kept[1] is None):
            counting = _pool.submit(self.facets, query)
        total, hits = self.search(query, max(1, limit), offset, by_date, count=kept is None)
        if kept is not None:
            total = kept[0]
        counted = counting.result() if counting is not None else (kept[1] if kept is not None else None)
        if key is not None:
            with self._counted_lock:
                self._counted[key] = (total, counted)
                while len(self._counted) > _CACHED:
                    self._counted.popitem(last=False)
        return Found(total, hits[:limit] if limit else [], counted if facets else None)

    def near_identifier(self, wanted: str, access: Access, limit: int = 50) -> list[int]:
        """Seqs of readable records holding an identifier one edit from `wanted` (upper case): a
        Levenshtein automaton over the identifier terms, the policy inside the same query — a slip
        anywhere in the identifier, in milliseconds at a million records."""
        q, must = self.tantivy.Query, self.tantivy.Occur.Must
        if access.none:
            return []
        fuzzy = q.fuzzy_term_query(self.schema, "ident", wanted, distance=1, transposition_cost_one=False)
        parts = [(must, fuzzy)]
        if not access.everything:
            parts.append((must, q.const_score_query(self._access(access), 0.0)))
        return [
            seq for seq, _ in self.search(q.boolean_query(parts), limit, 0, by_date=False, count=False)[1]
        ]

    def forget_counts(self) -> None:
        with self._counted_lock:
            self._counted.clear()

    def _generation(self) -> tuple[int, int] | None:
        """The committed index state, or None while a commit may not have reached this reader yet."""
        try:
            st = (self.root / "meta.json").stat()
        except OSError:
            return None
        if time.time() - st.st_mtime < _SETTLE_S:
            return None
        return (st.st_mtime_ns, st.st_size)

    def facets(self, query: Any) -> dict[str, list[tuple[Any, int]]]:
        """Exact counts: the terms aggregation asks for every value (segment_size beyond the cardinality)."""
        aggs = {kind: {"terms": {"field": field, "size": 5000, "segment_size": 5000}}
                for kind, field in FACET_FIELDS.items()}  # fmt: skip
        raw = self.index.searcher().aggregate(query, aggs)
        return {kind: [(b["key"], int(b["doc_count"])) for b in raw[kind]["buckets"] if b["key"] != ""]
                for kind in FACET_FIELDS}  # fmt: skip

    def size(self) -> int:
        return int(self.index.searcher().num_docs)
