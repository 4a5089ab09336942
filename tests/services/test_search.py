"""Search on both catalogue backends: the same tokens give the same answers, within the policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dangan.access import ANONYMOUS, Principal, Role
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.utilisation import SearchResult, search
from tests.factories import package_dir

Filled = tuple[Archive, list[dict[str, Any]]]

ARCHIVIST = Principal("a", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)


@pytest.fixture
def filled(any_archive: Archive, tmp_path: Path) -> Filled:
    docs = []
    for seed in range(6):
        pkg = package_dir(tmp_path / "in", 300 + seed, security_level="公开" if seed < 2 else "内部",
                          open_to_public=seed < 2)  # fmt: skip
        docs.append(json.loads((pkg / "case.json").read_text(encoding="utf-8")))
    assert len(import_paths(any_archive, [tmp_path / "in"]).accepted) == 6
    return any_archive, docs


def _ids(result: SearchResult) -> set[str]:
    return {h.source_id for h in result.hits}


def test_applicant_name_finds_its_case(filled: Filled) -> None:
    archive, docs = filled
    for doc in docs:
        result = search(archive, ARCHIVIST, doc["applicant"]["name"])
        assert doc["source_id"] in _ids(result)


def test_text_inside_the_pdfs_is_searchable(filled: Filled) -> None:
    archive, docs = filled
    doc = docs[3]
    number = doc["doc_number"]
    assert doc["source_id"] in _ids(search(archive, ARCHIVIST, number))


@pytest.mark.parametrize("position", [0, 1, -1])
def test_one_character_queries_match_anywhere_in_a_word(filled: Filled, position: int) -> None:
    archive, docs = filled
    name = docs[2]["applicant"]["name"]
    char = name[position]
    result = search(archive, ARCHIVIST, char, limit=50)
    assert docs[2]["source_id"] in _ids(result), char


def test_total_counts_only_what_the_user_may_see(filled: Filled) -> None:
    archive, docs = filled
    everyone = search(archive, ARCHIVIST, "许可", limit=50)
    public = search(archive, ANONYMOUS, "许可", limit=50)
    assert everyone.total >= public.total
    assert _ids(public) <= {d["source_id"] for d in docs[:2]}
    assert public.total == len(public.hits)
    admin = search(archive, Principal("s", Role.SYSADMIN, clearance=SecurityLevel.CONFIDENTIAL), "许可")
    assert admin.total == 0 and admin.hits == []


@pytest.mark.parametrize(
    "query",
    ['"', "a AND OR NOT", "NEAR(x y)", "*", "x:y", "'; DROP TABLE record; --", "(((", "\\", "!!!", "：："],
)
def test_query_syntax_cannot_break_or_inject(filled: Filled, query: str) -> None:
    archive, _ = filled
    result = search(archive, ARCHIVIST, query)
    assert result.total >= 0
    assert search(archive, ARCHIVIST, "许可").total > 0
