"""Every search feature, as every kind of user: no hit, total, facet count, suggestion or snippet tells a
user about a record the policy hides from them, or shows personal data they may not see in clear.

The truth is the policy itself (`can_read`, `should_mask`) applied record by record in Python, not the
SQL the engine builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.access import ANONYMOUS, Principal, Role, can_read, should_mask
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.utilisation import search
from dangan.store.catalog import Record
from tests.factories import demo_archive

TODAY = date(2026, 6, 30)
QUERIES = (
    "2019年以来",
    "申请书",
    "身份证",
    "去年的食品经营许可",
    "市场监管局 申请书",
    "法定代表人",
    "不予许可的",
)


@pytest.fixture(scope="module", params=["engine", "sql"])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """Once through the embedded engine (the policy translated into its terms), once through SQL."""
    with demo_archive(tmp_path_factory.mktemp("search-access"), 60, 5, search_engine=request.param) as (
        arc,
        _,
    ):
        yield arc


def _records(archive: Archive) -> list[Record]:
    with archive.db.read() as s:
        return list(s.scalars(select(Record)).unique())


def _users(archive: Archive) -> list[Principal]:
    departments = sorted({r.department.name for r in _records(archive)})
    return [
        ANONYMOUS,
        Principal("reader", Role.READER, clearance=SecurityLevel.INTERNAL),
        Principal("clerk", Role.CLERK, department=departments[0], clearance=SecurityLevel.INTERNAL),
        Principal("head", Role.DEPT_HEAD, department=departments[1], clearance=SecurityLevel.SECRET),
        Principal("keeper_low", Role.ARCHIVIST, clearance=SecurityLevel.PUBLIC),
        Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL),
        Principal("secadmin", Role.SECADMIN, clearance=SecurityLevel.CONFIDENTIAL),
    ]


@pytest.mark.parametrize("query", QUERIES)
def test_results_counts_and_facets_hold_only_what_the_user_may_read(archive: Archive, query: str) -> None:
    records = {r.id: r for r in _records(archive)}
    everything = search(archive, _users(archive)[-2], query, limit=500, today=TODAY)
    assert everything.total == len(everything.hits)  # the fully cleared archivist sees the whole answer
    answer = {h.record_id for h in everything.hits}
    for user in _users(archive):
        result = search(archive, user, query, limit=500, today=TODAY, facets=True)
        ids = {h.record_id for h in result.hits}
        readable = {rid for rid in answer if can_read(user, records[rid])}
        assert ids == readable, (user.username, query)
        assert result.total == len(readable), (user.username, query)
        assert result.facets is not None
        for kind, rows in result.facets.items():
            if kind != "industry":  # records without an industry are not counted there
                assert sum(r["count"] for r in rows) == result.total, (user.username, kind)
        for hit in result.hits:
            record = records[hit.record_id]
            shown = hit.title + (hit.as_json()["snippet"] or "")
            if should_mask(user, record):
                for raw in (record.id_number, record.phone):
                    assert not raw or raw not in shown, (user.username, hit.record_id)


def test_a_suggestion_never_names_a_record_the_user_cannot_read(archive: Archive) -> None:
    records = _records(archive)
    hidden = next(r for r in records if r.security_level == "秘密" or not r.open_to_public)
    at = hidden.archival_code.rindex("-") - 1  # the last letter of the organisation code: Q is no code's
    typo = hidden.archival_code[:at] + "Q" + hidden.archival_code[at + 1 :]
    assert all(r.archival_code != typo for r in records)
    public = search(archive, ANONYMOUS, typo, today=TODAY)
    assert hidden.archival_code not in public.suggestions
    keeper = search(archive, _users(archive)[-2], typo, today=TODAY)
    assert keeper.suggestions == [hidden.archival_code]


def test_the_three_administrators_find_nothing(archive: Archive) -> None:
    secadmin = _users(archive)[-1]
    for query in QUERIES:
        result = search(archive, secadmin, query, today=TODAY, facets=True)
        assert result.total == 0 and not result.hits
        assert result.facets is not None and all(not rows for rows in result.facets.values())


def test_personal_data_is_masked_in_snippets_below_the_unmask_right(archive: Archive, tmp_path: Path) -> None:
    clerk = _users(archive)[2]
    result = search(archive, clerk, "身份证件号码", limit=50, today=TODAY)
    assert result.hits, "the clerk's own department has applications with ID numbers"
    records = {r.id: r for r in _records(archive)}
    for hit in result.hits:
        snippet = hit.as_json()["snippet"] or ""
        record = records[hit.record_id]
        assert should_mask(clerk, record)
        assert record.id_number not in snippet and "********" in snippet
