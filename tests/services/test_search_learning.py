"""Ranking learns from what people open: a result opened again and again for a query rises for that
role; nothing the policy hides is ever added, sets that are only filters keep their date order, and a
log can be added to only by the person who searched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import NotFound
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.utilisation import log_click, log_search, search
from dangan.store.catalog import SearchClick
from tests.factories import demo_archive

TODAY = date(2026, 6, 30)
KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
OTHER = Principal("keeper2", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
QUERY = "申请书 审批"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    with demo_archive(tmp_path_factory.mktemp("learning"), 40, 31) as (arc, _):
        yield arc


def _ids(archive: Archive, user: Principal, query: str, **kw: object) -> list[str]:
    return [h.record_id for h in search(archive, user, query, limit=20, today=TODAY, **kw).hits]  # type: ignore[arg-type]


def test_a_result_people_open_rises_for_their_role_only(archive: Archive) -> None:
    before = _ids(archive, KEEPER, QUERY)
    assert len(before) == 20
    wanted = before[11]
    clerk = Principal(
        "clerk", Role.CLERK, department="秦皇岛市市场监督管理局", clearance=SecurityLevel.INTERNAL
    )
    clerk_before = _ids(archive, clerk, QUERY)
    for _ in range(6):  # six archivists' sessions: each read down to the 12th and opened it
        result = search(archive, KEEPER, QUERY, limit=20, today=TODAY, learn=False)
        log_id = log_search(archive, KEEPER, result.parsed, [h.seq for h in result.hits])
        log_click(archive, KEEPER, log_id, wanted)
    after = _ids(archive, KEEPER, QUERY)
    assert after.index(wanted) < 3, after.index(wanted)
    top50 = [h.record_id for h in search(archive, KEEPER, QUERY, limit=50, today=TODAY, learn=False).hits]
    assert set(after) <= set(top50)  # reordered inside the first 50, nothing brought in from outside
    assert (
        search(archive, KEEPER, QUERY, today=TODAY).total
        == search(archive, KEEPER, QUERY, today=TODAY, learn=False).total
    )
    assert _ids(archive, clerk, QUERY) == clerk_before  # another role's clicks do not move a clerk's ranking
    assert _ids(archive, KEEPER, "申请书 审批", sort="date") == _ids(
        archive, KEEPER, QUERY, sort="date", learn=False
    )


def test_learning_reorders_but_never_adds(archive: Archive) -> None:
    """Clicks logged by archivists on a record a clerk may not read never bring it into the clerk's list."""
    clerk = Principal("clerk", Role.CLERK, department="秦皇岛市生态环境局", clearance=SecurityLevel.PUBLIC)
    hidden = next(
        rid
        for rid in _ids(archive, KEEPER, QUERY)
        if rid not in set(_ids(archive, clerk, QUERY, learn=False))
    )
    for _ in range(5):
        result = search(archive, clerk, QUERY, limit=20, today=TODAY, learn=False)
        log_id = log_search(archive, clerk, result.parsed, [h.seq for h in result.hits])
        with pytest.raises(NotFound):
            log_click(archive, clerk, log_id, hidden)  # not on the page the clerk was shown
    assert hidden not in _ids(archive, clerk, QUERY)


def test_a_log_takes_clicks_only_from_its_own_searcher_and_shown_results(archive: Archive) -> None:
    result = search(archive, KEEPER, "申请书", limit=5, today=TODAY, learn=False)
    assert len(result.hits) == 5
    log_id = log_search(archive, KEEPER, result.parsed, [h.seq for h in result.hits])
    with pytest.raises(NotFound):
        log_click(archive, OTHER, log_id, result.hits[0].record_id)
    not_shown = next(
        rid
        for rid in _ids(archive, KEEPER, QUERY, learn=False)
        if rid not in {h.record_id for h in result.hits}
    )
    with pytest.raises(NotFound):
        log_click(archive, KEEPER, log_id, not_shown)
    log_click(archive, KEEPER, log_id, result.hits[1].record_id)
    with archive.db.read() as s:
        assert [c.position for c in s.scalars(select(SearchClick).where(SearchClick.log_id == log_id))] == [2]


def test_sets_that_are_only_filters_keep_their_date_order(archive: Archive) -> None:
    query = "2019年以来的档案"
    result = search(archive, KEEPER, query, limit=20, today=TODAY, learn=False)
    for _ in range(4):
        log_id = log_search(archive, KEEPER, result.parsed, [h.seq for h in result.hits])
        log_click(archive, KEEPER, log_id, result.hits[-1].record_id)
    dates = [h.decided_at for h in search(archive, KEEPER, query, limit=20, today=TODAY).hits]
    assert dates == sorted(dates, reverse=True)
