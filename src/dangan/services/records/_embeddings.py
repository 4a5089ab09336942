"""Semantic search over records: vectors kept in step with the catalogue, nearest records under the policy.

`embed_pending` is the background job's work (and `dangan embed`'s): it finds the records whose vector is
missing, was made by another model, or no longer matches the record's text (`text_hash`), and embeds
them in batches, each committed on its own — a crash loses at most the batch in hand, and the next run
goes on from there. Reading never waits for it: a record without a vector is simply not found by meaning
yet (the lexical search still finds it).

The query side searches every stored vector by brute force: one matrix product over the archive's
vectors in memory (`bench/semantic.py`: 100k vectors exact in about the time an HNSW index answers
approximately, and nothing to build or to drift). The matrix is derived data, loaded from the table on
first use in each process and loaded again when the table's signature (row count, newest `created_at`)
changes. The policy is applied inside: candidates are ranked by cosine first, then the readable ones are
kept with one SQL query over `record_filter(user)`, widening the candidate set until `k` are found or
none is left — a record the user may not read is never returned, nor counted.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select

from dangan.access import Principal, RecordView, can_read, mask_record_view, record_filter
from dangan.core import NotFound, utcnow
from dangan.index import (
    DIM,
    MODEL,
    embed_passages,
    embed_queries,
    record_text,
    text_hash,
    vector_bytes,
    vectors_from,
)
from dangan.services.archive import Archive, log_denied
from dangan.store.catalog import Database, Department, Matter, Record, RecordEmbedding, SearchDoc, get_record

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = logging.getLogger("dangan.embeddings")

BATCH = 32  # records embedded and committed together (≈ 1 s of work here): the most a crash can lose
SCAN_PAGE = 2000  # records whose text is compared with their vector's per catalogue read
FULL_MASK_AT = 4000  # past this many candidates, read the user's readable set whole instead of by IN


@dataclass
class EmbedReport:
    """What one run did: records embedded now, and those still waiting (0 when it ran to the end)."""

    embedded: int = 0
    pending: int = 0
    model: str = MODEL
    failed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "embedded": self.embedded,
            "pending": self.pending,
            "model": self.model,
            "failed": self.failed,
        }


def _texts_after(db: Database, after: int, page: int) -> list[tuple[int, str, str | None]]:
    """(seq, embedding text, stored hash — None when missing or of another model) of the next `page`
    records after `after`."""
    with db.read() as s:
        rows = s.execute(
            select(
                Record.seq, Record.title, Matter.name, Department.name, Record.applicant_name, Record.result,
                func.substr(SearchDoc.body_text, 1, 1000), RecordEmbedding.text_hash,
                RecordEmbedding.model,
            )
            .join(Matter, Matter.id == Record.matter_id)
            .join(Department, Department.id == Record.department_id)
            .outerjoin(SearchDoc, SearchDoc.record_seq == Record.seq)
            .outerjoin(RecordEmbedding, RecordEmbedding.record_seq == Record.seq)
            .where(Record.seq > after).order_by(Record.seq).limit(page)
        ).all()  # fmt: skip
    return [
        (int(r[0]), record_text(r[1], r[2], r[3], r[4], r[5], r[6]), r[7] if r[8] == MODEL else None)
        for r in rows
    ]


def _scan(db: Database) -> Iterator[list[tuple[int, str, str]]]:
    """Pages of (seq, text, hash) of the records whose vector is missing or stale, oldest record first;
    a page at a time, so a million records never sit in memory as texts."""
    after = 0
    while page := _texts_after(db, after, SCAN_PAGE):
        yield [(seq, text, digest) for seq, text, stored in page if (digest := text_hash(text)) != stored]
        after = page[-1][0]


def pending_embeddings(archive: Archive) -> int:
    """How many records wait for a vector (missing, or made from another text or model)."""
    return sum(len(page) for page in _scan(archive.db))


def _store(db: Database, batch: Sequence[tuple[int, str, str]], vectors: npt.NDArray[np.float32]) -> int:
    """One batch in one transaction; records deleted meanwhile are skipped (their vectors would dangle)."""
    seqs = [seq for seq, _, _ in batch]
    with db.write() as s:
        alive = set(s.scalars(select(Record.seq).where(Record.seq.in_(seqs))))
        s.execute(delete(RecordEmbedding).where(RecordEmbedding.record_seq.in_(seqs)))
        now = utcnow()
        rows = [
            {"record_seq": seq, "model": MODEL, "dim": DIM, "vector": vector_bytes(vectors[i]),
             "text_hash": digest, "created_at": now}
            for i, (seq, _, digest) in enumerate(batch) if seq in alive
        ]  # fmt: skip
        if rows:
            s.execute(insert(RecordEmbedding), rows)
    return len(rows)


def embed_pending(
    archive: Archive, limit: int | None = None, progress: Callable[[int, int], None] | None = None
) -> EmbedReport:
    """Embed up to `limit` records that need it (all when None), `BATCH` per transaction.

    Two passes over the catalogue: one counts what is waiting (hashing texts costs little next to
    embedding them), the second embeds page by page. `progress(done, total)` is called after each
    batch. Safe to run in several processes at once: two runs may embed the same record, and the later
    write simply replaces the earlier, equal vector (the worker's claim keeps its own runs apart).
    """
    waiting = pending_embeddings(archive)
    total = waiting if limit is None else min(limit, waiting)
    report = EmbedReport(pending=waiting)
    if progress:
        progress(0, total)
    done = 0
    for page in _scan(archive.db):
        for start in range(0, len(page), BATCH):
            if done >= total:
                break
            batch = page[start : start + min(BATCH, total - done)]
            vectors = embed_passages([text for _, text, _ in batch])
            report.embedded += _store(archive.db, batch, vectors)
            done += len(batch)
            if progress:
                progress(done, total)
        if done >= total:
            break
    report.pending = max(0, waiting - done)
    if report.embedded:
        log.info("语义向量：新生成 %s 件，尚余 %s 件", report.embedded, report.pending)
    return report


@dataclass
class _Matrix:
    """Every stored vector of one catalogue, as one matrix, with the table signature it was read at."""

    signature: tuple[int, datetime | None]
    seqs: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]
    row_of: dict[int, int]


_matrices: weakref.WeakKeyDictionary[Database, _Matrix] = weakref.WeakKeyDictionary()
_matrix_lock = threading.Lock()


def _matrix(db: Database) -> _Matrix:
    """The cached matrix, read again when rows were added, replaced or deleted since."""
    import numpy as np

    newest = func.max(RecordEmbedding.created_at)
    with db.read() as s:
        count, last = s.execute(select(func.count(), newest).where(RecordEmbedding.model == MODEL)).one()
    signature = (int(count), last)
    with _matrix_lock:
        cached = _matrices.get(db)
        if cached is not None and cached.signature == signature:
            return cached
        with db.read() as s:
            rows = s.execute(
                select(RecordEmbedding.record_seq, RecordEmbedding.vector)
                .where(RecordEmbedding.model == MODEL, RecordEmbedding.dim == DIM)
                .order_by(RecordEmbedding.record_seq)
            ).all()
        seqs = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
        matrix = _Matrix(
            signature,
            seqs,
            vectors_from([bytes(r[1]) for r in rows]),
            {int(seq): i for i, seq in enumerate(seqs.tolist())},
        )
        _matrices[db] = matrix
        return matrix


def _readable(db: Database, user: Principal, seqs: list[int]) -> set[int]:
    where = record_filter(user)
    with db.read() as s:
        if len(seqs) > FULL_MASK_AT:
            return set(s.scalars(select(Record.seq).where(where)))
        return set(s.scalars(select(Record.seq).where(Record.seq.in_(seqs), where)))


def _nearest(
    db: Database, user: Principal, m: _Matrix, query: npt.NDArray[np.float32], k: int, exclude: int | None
) -> list[tuple[int, float]]:
    """The `k` readable records nearest to `query`, best first: ranked by cosine, then filtered by the
    policy over a candidate set that grows fourfold until enough are readable or every one was seen."""
    import numpy as np

    n = len(m.seqs)
    if n == 0 or k <= 0:
        return []
    scores = m.vectors @ query
    if exclude is not None and exclude in m.row_of:
        scores[m.row_of[exclude]] = -np.inf
    want = k + (exclude is not None)
    size = min(n, max(4 * want, 64))
    while True:
        top = np.argpartition(-scores, size - 1)[:size] if size < n else np.arange(n)
        top = top[np.argsort(-scores[top], kind="stable")]
        candidates = [(int(m.seqs[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]
        allowed = _readable(db, user, [seq for seq, _ in candidates])
        found = [(seq, score) for seq, score in candidates if seq in allowed]
        if len(found) >= k or size >= n:
            return found[:k]
        size = min(n, size * 4)


def semantic_candidates(
    archive: Archive, user: Principal, query: str, k: int = 50
) -> list[tuple[int, float]]:
    """(record_seq, cosine) of the `k` records nearest in meaning to `query` that `user` may read, best
    first. Empty for an empty query or while no record has a vector yet (the model is then not loaded)."""
    text = " ".join(query.split())
    if not text or k <= 0:
        return []
    with archive.db.read() as s:  # nothing embedded yet: not even numpy is loaded (a command's start)
        if s.scalar(select(RecordEmbedding.record_seq).limit(1)) is None:
            return []
    m = _matrix(archive.db)
    if not len(m.seqs):
        return []
    return _nearest(archive.db, user, m, embed_queries([text])[0], k, None)


def any_embedded(archive: Archive) -> bool:
    """Whether any record has a vector yet: one indexed row read, so a search asks before it gathers
    candidates for fusion it could not do."""
    with archive.db.read() as s:
        return s.scalar(select(RecordEmbedding.record_seq).limit(1)) is not None


def meaning_scores(archive: Archive, query: str, seqs: Sequence[int]) -> dict[int, float]:
    """Cosine of `query` with each of `seqs` that has a vector: how near in meaning the records a search
    already found (and the policy already let through) are. Empty while nothing is embedded (no model
    loaded, no numpy)."""
    text = " ".join(query.split())
    if not text or not seqs or not any_embedded(archive):
        return {}
    m = _matrix(archive.db)
    rows = [(seq, m.row_of[seq]) for seq in seqs if seq in m.row_of]
    if not rows:
        return {}
    scores = m.vectors[[row for _, row in rows]] @ embed_queries([text])[0]
    return {seq: float(score) for (seq, _), score in zip(rows, scores.tolist(), strict=True)}


def _source(archive: Archive, user: Principal, record_id: str) -> Record:
    """The record "more like this" starts from, if `user` may read it; NotFound as for a missing one."""
    with archive.db.read() as s:
        record = get_record(s, record_id)
        readable = record is not None and can_read(user, record)
    if record is None or not readable:
        if record is not None:
            log_denied(archive, user.username, record_id, {"action": "similar"})
        raise NotFound("档案不存在或您无权查看")
    return record


def _similar_seqs(
    archive: Archive, user: Principal, record: Record, k: int
) -> list[tuple[int, float]] | None:
    m = _matrix(archive.db)
    row = m.row_of.get(record.seq)
    if row is None:
        return None
    return _nearest(archive.db, user, m, m.vectors[row], k, record.seq)


def similar_records(
    archive: Archive, user: Principal, record_id: str, k: int = 10
) -> list[tuple[str, float]]:
    """ "More like this": (record_id, cosine) of the `k` readable records nearest to the record's own
    vector, best first, the record itself left out; empty while it has no vector yet. NotFound when the
    user may not read the record itself."""
    record = _source(archive, user, record_id)
    found = _similar_seqs(archive, user, record, k) or []
    if not found:
        return []
    with archive.db.read() as s:
        ids = dict(
            s.execute(select(Record.seq, Record.id).where(Record.seq.in_([seq for seq, _ in found]))).all()
        )
    return [(ids[seq], score) for seq, score in found if seq in ids]


@dataclass(frozen=True)
class SimilarRecord:
    """One "more like this" entry as a page or the API shows it: masked as the user may see it."""

    view: RecordView
    score: float


def similar_views(
    archive: Archive, user: Principal, record_id: str, k: int = 5
) -> list[SimilarRecord] | None:
    """The records of `similar_records`, loaded and masked for `user`; None while the record itself has
    no vector yet (the page then says the list comes once background indexing is done)."""
    record = _source(archive, user, record_id)
    found = _similar_seqs(archive, user, record, k)
    if found is None:
        return None
    with archive.db.read() as s:
        rows = {r.seq: r for r in s.scalars(select(Record).where(Record.seq.in_([seq for seq, _ in found])))}
        views = [
            SimilarRecord(mask_record_view(user, rows[seq]), score) for seq, score in found if seq in rows
        ]
    return views
