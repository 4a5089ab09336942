"""Words that match no text fall back to meaning: "开饭店需要办的许可" finds the food-business licences
through the embedding index — inside the policy, narrowed by the query's own filters, and marked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dangan.access import Principal, Role
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.records import embed_pending, meaning_scores
from dangan.services.utilisation import search
from dangan.services.utilisation._results import SearchHit
from dangan.services.utilisation._search import fused
from tests.factories import demo_archive

TODAY = date(2026, 6, 30)
KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with demo_archive(tmp_path_factory.mktemp("semantic"), 40, 8) as (arc, _):
        embed_pending(arc)
        yield arc


def test_a_question_in_plain_words_finds_the_matter_it_means(archive: Archive) -> None:
    result = search(archive, KEEPER, "开饭店需要办的许可", today=TODAY)
    assert result.parsed.get("semantic") is True
    assert result.hits and all(h.matched == "语义相近" for h in result.hits)
    assert "食品" in result.hits[0].matter, [h.matter for h in result.hits[:5]]


def test_meaning_stays_inside_the_policy_and_the_filters(archive: Archive) -> None:
    clerk = Principal(
        "clerk", Role.CLERK, department="秦皇岛市住房和城乡建设局", clearance=SecurityLevel.INTERNAL
    )
    result = search(archive, clerk, "盖楼要办的证", today=TODAY, limit=50)
    assert all(h.department == "秦皇岛市住房和城乡建设局" for h in result.hits)
    dated = search(archive, KEEPER, "2023年开饭店需要办的许可", today=TODAY, limit=50)
    assert all(h.decided_at.startswith("2023") for h in dated.hits)


def test_words_that_match_text_are_never_mixed_with_neighbours(archive: Archive) -> None:
    result = search(archive, KEEPER, "申请书", today=TODAY, limit=500)
    assert result.total > 0 and "semantic" not in result.parsed
    assert all(h.matched != "语义相近" for h in result.hits)


def test_words_and_meaning_are_fused_inside_the_set_the_words_found(archive: Archive) -> None:
    query = "申请书"
    words = search(archive, KEEPER, query, today=TODAY, limit=50, fuse=False, learn=False)
    both = search(archive, KEEPER, query, today=TODAY, limit=50, learn=False)
    assert words.total == both.total >= 5
    assert {h.record_id for h in words.hits} == {h.record_id for h in both.hits}  # reordered, never added
    assert all(h.matched != "语义相近" for h in both.hits)
    meaning = meaning_scores(archive, query, [h.seq for h in words.hits])
    nearest = max(meaning, key=lambda seq: meaning[seq])
    was = [h.seq for h in words.hits].index(nearest)
    now = [h.seq for h in both.hits].index(nearest)
    assert now <= was and [h.seq for h in both.hits] != [h.seq for h in words.hits]
    paged = search(archive, KEEPER, query, today=TODAY, limit=10, offset=10, learn=False)
    assert [h.seq for h in paged.hits] == [h.seq for h in both.hits[10:20]]  # pages of one fused order


def test_meaning_breaks_near_ties_of_the_words_but_not_clear_leads() -> None:
    scores = {1: 10.0, 2: 9.9, 3: 5.0, 4: 1.0}
    hits = [SearchHit(f"r{i}", "s", f"{i}", f"A-{i}", f"t{i}", score, seq=i) for i, score in scores.items()]
    assert [h.seq for h, _ in fused(hits, {1: 0.1, 2: 0.3, 3: 0.2})] == [2, 1, 3, 4]  # a near tie broken
    assert [h.seq for h, _ in fused(hits, {1: 0.1, 2: 0.2, 3: 0.2, 4: 0.9})] == [2, 1, 3, 4]  # 4 stays last
    assert [h.seq for h, _ in fused(hits, {})] == [1, 2, 3, 4]
