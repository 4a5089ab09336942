"""Words that match no text fall back to meaning: "开饭店需要办的许可" finds the food-business licences
through the embedding index — inside the policy, narrowed by the query's own filters, and marked."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from dangan.access import Principal, Role
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.records import embed_pending
from dangan.services.utilisation import search
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
