"""Semantic search over records: the background embedding job and the two queries, under the policy.

One small archive of generated cases (two of them 建筑工程施工许可, six 食品经营许可), embedded by the real
model; every query's answer is checked against the policy applied record by record (`can_read`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update

from dangan.access import Principal, Role, can_read
from dangan.core import NotFound, load_settings
from dangan.demo import generate_cases, write_case
from dangan.domain import SecurityLevel
from dangan.index import MODEL
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import Jobs
from dangan.services.records import (
    embed_pending,
    pending_embeddings,
    semantic_candidates,
    similar_records,
    similar_views,
)
from dangan.store.catalog import Record, RecordEmbedding, SearchDoc
from tests.factories import demo_archive

ARCHIVIST = Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with demo_archive(tmp_path_factory.mktemp("embeddings"), 24, 8) as (arc, _):
        yield arc


@pytest.fixture(scope="module")
def records(archive: Archive) -> dict[int, Record]:
    with archive.db.read() as s:
        return {r.seq: r for r in s.scalars(select(Record)).unique()}


@pytest.fixture(scope="module")
def embedded(archive: Archive) -> Archive:
    """The archive after the job ran in two goes, as after a crash between batches."""
    assert pending_embeddings(archive) == 24
    progress: list[tuple[int, int]] = []
    first = embed_pending(archive, limit=10, progress=lambda done, total: progress.append((done, total)))
    assert (first.embedded, first.pending) == (10, 14)
    assert progress[0] == (0, 10) and progress[-1] == (10, 10)
    with archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(RecordEmbedding)) == 10
    rest = embed_pending(archive)
    assert (rest.embedded, rest.pending) == (14, 0), "the second run goes on where the first stopped"
    assert embed_pending(archive).embedded == 0, "nothing left: a run that finds nothing is cheap"
    return archive


def _clerk(department: str) -> Principal:
    return Principal("clerk", Role.CLERK, department=department, clearance=SecurityLevel.INTERNAL)


def _matter(records: dict[int, Record], seq: int) -> str:
    return records[seq].matter.name


def test_plain_language_finds_the_matter_by_meaning(embedded: Archive, records: dict[int, Record]) -> None:
    food = semantic_candidates(embedded, ARCHIVIST, "开饭店需要办的许可", k=3)
    assert [_matter(records, seq) for seq, _ in food] == ["食品经营许可"] * 3
    building = semantic_candidates(embedded, ARCHIVIST, "盖楼要办的证", k=5)
    assert _matter(records, building[0][0]) == "建筑工程施工许可"
    scores = [score for _, score in building]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
    assert semantic_candidates(embedded, ARCHIVIST, "  ", k=5) == []


def test_a_clerk_never_gets_another_department_s_record(
    embedded: Archive, records: dict[int, Record]
) -> None:
    for department in sorted({r.department.name for r in records.values()}):
        clerk = _clerk(department)
        readable = {seq for seq, r in records.items() if can_read(clerk, r)}
        found = semantic_candidates(embedded, clerk, "开饭店需要办的许可", k=50)
        assert {seq for seq, _ in found} == readable, "every readable record, and only those, when k is large"
    public = Principal("public", Role.PUBLIC)
    found = semantic_candidates(embedded, public, "许可", k=50)
    assert found and all(can_read(public, records[seq]) for seq, _ in found)
    admin = Principal("admin", Role.SYSADMIN, clearance=SecurityLevel.CONFIDENTIAL)
    assert semantic_candidates(embedded, admin, "许可", k=50) == []


def test_more_like_this_leaves_out_the_record_and_what_the_user_may_not_read(
    embedded: Archive, records: dict[int, Record]
) -> None:
    food = next(r for r in records.values() if r.matter.name == "食品经营许可" and r.security_rank <= 1)
    near = similar_records(embedded, ARCHIVIST, food.id, k=5)
    assert len(near) == 5 and food.id not in {rid for rid, _ in near}
    by_id = {r.id: r for r in records.values()}
    assert by_id[near[0][0]].matter.name == "食品经营许可", "the nearest record is one of the same matter"

    clerk = _clerk(food.department.name)
    mine = similar_records(embedded, clerk, food.id, k=50)
    readable = {r.id for r in records.values() if can_read(clerk, r)} - {food.id}
    assert {rid for rid, _ in mine} == readable

    other = _clerk(next(r.department.name for r in records.values() if r.department_id != food.department_id))
    with pytest.raises(NotFound):
        similar_records(embedded, other, food.id)
    with pytest.raises(NotFound):
        similar_views(embedded, ARCHIVIST, "01NOSUCHRECORD000000000000")
    views = similar_views(embedded, clerk, food.id, k=3)
    assert views is not None and [v.view.id for v in views] == [rid for rid, _ in mine[:3]]


def test_a_changed_text_a_new_model_and_a_deleted_record_keep_the_vectors_in_step(
    any_archive: Archive, tmp_path: Path
) -> None:
    """On SQLite and on PostgreSQL (bytea vectors, the same signature query)."""
    arc = any_archive
    for demo_case in generate_cases(3, seed=21):
        write_case(demo_case, tmp_path / "in")
    import_paths(arc, [tmp_path / "in"])
    seqs = sorted(r.seq for r in _all(arc))
    first = seqs[0]
    assert similar_views(arc, ARCHIVIST, _id(arc, first)) is None, "no vector yet: the page says so"
    assert semantic_candidates(arc, ARCHIVIST, "许可") == [], "nothing embedded: the model is not needed"
    assert embed_pending(arc).embedded == 3
    assert similar_views(arc, ARCHIVIST, _id(arc, first)) is not None
    with arc.db.write() as s:
        s.execute(update(SearchDoc).where(SearchDoc.record_seq == first).values(body_text="另一段材料正文"))
    assert pending_embeddings(arc) == 1, "its text changed: embedded again"
    before = _vector(arc, first)
    assert embed_pending(arc).embedded == 1 and _vector(arc, first) != before
    with arc.db.write() as s:
        s.execute(update(RecordEmbedding).where(RecordEmbedding.record_seq == seqs[1]).values(model="old"))
    assert pending_embeddings(arc) == 1, "made by another model: embedded again"
    embed_pending(arc)
    assert {seq for seq, _ in semantic_candidates(arc, ARCHIVIST, "许可", k=10)} == set(seqs)
    with arc.db.write() as s:
        s.execute(delete(Record).where(Record.seq == seqs[2]))
    with arc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(RecordEmbedding)) == 2, "ON DELETE CASCADE"
    assert {seq for seq, _ in semantic_candidates(arc, ARCHIVIST, "许可", k=10)} == set(seqs[:2]), (
        "a deleted record takes its vector with it, and the cached matrix notices"
    )


def test_the_worker_embeds_on_a_schedule_only_when_asked(tmp_path: Path) -> None:
    off = Jobs(load_settings(tmp_path / "a"))
    assert "record_embed_periodic" not in off.periodic_names(), "tests keep the schedule off by default"
    arc = open_archive(load_settings(tmp_path / "b", embed_interval=5, embed_batch=2))
    try:
        on = Jobs(arc.settings, arc)
        assert "record_embed_periodic" in on.periodic_names()
        for demo_case in generate_cases(3, seed=22):
            write_case(demo_case, tmp_path / "in")
        import_paths(arc, [tmp_path / "in"])
        assert on.embed.call_local() == {"embedded": 2, "pending": 1, "model": MODEL, "failed": []}
        assert on.embed.call_local()["embedded"] == 1
    finally:
        arc.close()


def _all(arc: Archive) -> list[Record]:
    with arc.db.read() as s:
        return list(s.scalars(select(Record)).unique())


def _id(arc: Archive, seq: int) -> str:
    with arc.db.read() as s:
        return str(s.scalar(select(Record.id).where(Record.seq == seq)))


def _vector(arc: Archive, seq: int) -> bytes:
    with arc.db.read() as s:
        return bytes(s.scalars(select(RecordEmbedding.vector).where(RecordEmbedding.record_seq == seq)).one())
