"""Search synonyms kept by the archivist: an entry is understood by search at the next query and forgotten
after removal, the archive's entry wins over the shipped one, only archivists change the table, bad input
is refused in Chinese, and every change is a ledger event written with it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import NotFound, PermissionDenied, ValidationFailed, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.utilisation import (
    SOURCE_ARCHIVE,
    SOURCE_SHIPPED,
    SYNONYM_KIND_LABELS,
    list_synonyms,
    remove_synonym,
    search,
    set_synonym,
    synonym_kind,
)
from dangan.store.catalog import Event, SearchSynonym
from tests.factories import package_dir

MARKET = "秦皇岛市市场监督管理局"
ECOLOGY = "秦皇岛市生态环境局"
FOOD = {"code": "SCJG-XK-101", "name": "食品经营许可"}
KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """Two departments in the catalogue: market regulation (one food licence) and ecology."""
    arc = open_archive(load_settings(tmp_path / "data"))
    packages = [
        package_dir(tmp_path / "in", 501, department=MARKET, matter=FOOD),
        package_dir(tmp_path / "in", 502, department=ECOLOGY),
    ]
    assert not import_paths(arc, packages).rejected
    try:
        yield arc
    finally:
        arc.close()


def _department(archive: Archive, query: str) -> str | None:
    department = search(archive, KEEPER, query).parsed["department"]
    assert department is None or isinstance(department, str)
    return department


def test_a_new_alias_is_understood_at_the_next_query_and_forgotten_after_removal(archive: Archive) -> None:
    assert _department(archive, "老工商的档案") is None
    entry = set_synonym(archive, KEEPER, "departments", "老工商", "市场监督管理局")
    assert (entry.source, entry.overrides, entry.note) == (SOURCE_ARCHIVE, False, None)
    assert entry.updated_by == "keeper"
    found = search(archive, KEEPER, "老工商的档案")
    assert found.parsed["department"] == MARKET and found.total == 1
    removed = remove_synonym(archive, KEEPER, "departments", "老工商")
    assert removed.alias == "老工商" and not removed.overrides
    assert _department(archive, "老工商的档案") is None


def test_a_changed_target_takes_effect_at_the_next_query(archive: Archive) -> None:
    set_synonym(archive, KEEPER, "departments", "老工商", "市场监督管理局")
    assert _department(archive, "老工商的档案") == MARKET
    changed = set_synonym(archive, KEEPER, "部门别称", "老工商", "生态环境局")  # the Chinese label works too
    assert changed.target == "生态环境局" and _department(archive, "老工商的档案") == ECOLOGY
    with archive.db.read() as s:
        assert len(s.scalars(select(SearchSynonym)).all()) == 1  # changed in place, not added twice


def test_an_archive_entry_overrides_the_shipped_one_and_removal_brings_it_back(archive: Archive) -> None:
    assert _department(archive, "环保局的档案") == ECOLOGY  # shipped: 环保局 → 生态环境局
    entry = set_synonym(archive, KEEPER, "departments", "环保局", "市场监督管理局")
    assert entry.overrides and entry.default_target == "生态环境局"
    assert _department(archive, "环保局的档案") == MARKET
    listed = [e for e in list_synonyms(archive, KEEPER, kind="departments") if e.alias == "环保局"]
    assert [(e.target, e.source) for e in listed] == [("市场监督管理局", SOURCE_ARCHIVE)]  # one row, not two
    removed = remove_synonym(archive, KEEPER, "departments", "环保局")
    assert removed.default_target == "生态环境局"
    assert _department(archive, "环保局的档案") == ECOLOGY


def test_the_list_shows_both_sources_the_archives_first(archive: Archive) -> None:
    set_synonym(archive, KEEPER, "matters", "食品证", "食品经营许可")
    entries = list_synonyms(archive, KEEPER)
    assert {e.kind for e in entries} == set(SYNONYM_KIND_LABELS)
    matters = [e for e in entries if e.kind == "matters"]
    assert matters[0].alias == "食品证" and matters[0].source == SOURCE_ARCHIVE
    assert {e.source for e in matters[1:]} == {SOURCE_SHIPPED}
    assert ("环评", "环境影响") in {(e.alias, e.target) for e in matters}
    only = list_synonyms(archive, KEEPER, kind="结果用语")
    assert only and {e.kind for e in only} == {"results"}
    assert [e.alias for e in list_synonyms(archive, KEEPER, text="食品证")] == ["食品证"]
    assert all(e.kind_label == SYNONYM_KIND_LABELS[e.kind] for e in entries)
    doc = matters[0].as_json()
    assert (doc["source"], doc["kind_label"]) == ("本馆添加", "事项简称")
    assert doc["updated_at"].endswith("+00:00")


@pytest.mark.parametrize(
    "role", [Role.CLERK, Role.DEPT_HEAD, Role.READER, Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR]
)
def test_only_archivists_read_or_change_the_table(archive: Archive, role: Role) -> None:
    someone = Principal("someone", role, department=MARKET, clearance=SecurityLevel.CONFIDENTIAL)
    for attempt in (
        lambda: list_synonyms(archive, someone),
        lambda: set_synonym(archive, someone, "departments", "老工商", "市场监督管理局"),
        lambda: remove_synonym(archive, someone, "departments", "老工商"),
    ):
        with pytest.raises(PermissionDenied, match="只有档案管理员可以维护检索同义词"):
            attempt()
    with archive.db.read() as s:
        assert s.scalars(select(SearchSynonym)).all() == []


@pytest.mark.parametrize(
    ("kind", "alias", "target", "message"),
    [
        ("places", "老城", "海港区", "部门别称（departments）、事项简称（matters）"),
        ("departments", "工", "市场监督管理局", "2–30 个字"),
        ("departments", "很" * 31, "市场监督管理局", "2–30 个字"),
        ("departments", "老工商", "  ", "不能为空"),
        ("matters", "老证", "许" * 101, "不超过 100 个字"),
        ("industries", "馆子", "Z99", "不是有效的行业代码"),
        ("industries", "馆子", "A6210", "不是有效的行业代码"),  # 6210 is in section H, not A
    ],
)
def test_bad_input_is_refused_in_chinese(
    archive: Archive, kind: str, alias: str, target: str, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        set_synonym(archive, KEEPER, kind, alias, target)
    with archive.db.read() as s:
        assert s.scalars(select(SearchSynonym)).all() == []
        assert s.scalars(select(Event).where(Event.kind == "search_synonym")).all() == []


def test_words_are_kept_as_queries_are_read_and_codes_as_records_carry_them(archive: Archive) -> None:
    traditional = set_synonym(archive, KEEPER, "departments", " 舊工商 ", "市场监督管理局")
    assert traditional.alias == "旧工商" and _department(archive, "旧工商的档案") == MARKET
    industry = set_synonym(archive, KEEPER, "industries", "馆子", "6210")
    assert industry.target == "H6210"  # stored records carry the section letter; the filter is a prefix
    assert search(archive, KEEPER, "馆子和旧工商").parsed["industry"] == "H6210"
    assert synonym_kind("行业") == "industries" and synonym_kind(" results ") == "results"


def test_a_target_that_names_nothing_yet_is_saved_with_a_note(archive: Archive) -> None:
    nothing = set_synonym(archive, KEEPER, "departments", "老交通", "交通运输局")
    assert nothing.note is not None and "暂无" in nothing.note and "交通运输局" in nothing.note
    several = set_synonym(archive, KEEPER, "departments", "各局", "局")
    assert several.note is not None and MARKET in several.note and ECOLOGY in several.note
    matter = set_synonym(archive, KEEPER, "matters", "老证", "不存在的事项")
    assert matter.note is not None and "审批事项" in matter.note
    assert set_synonym(archive, KEEPER, "matters", "食品证", "食品经营").note is None
    listed = {e.alias: e.note for e in list_synonyms(archive, KEEPER) if e.own}
    assert listed["老交通"] == nothing.note and listed["食品证"] is None


def test_shipped_entries_cannot_be_removed_and_unknown_ones_are_not_found(archive: Archive) -> None:
    with pytest.raises(ValidationFailed, match="系统默认的部门别称，不能删除"):
        remove_synonym(archive, KEEPER, "departments", "工商局")
    with pytest.raises(NotFound, match="本馆没有“老工商”这一部门别称"):
        remove_synonym(archive, KEEPER, "departments", "老工商")
    assert _department(archive, "工商局的档案") == MARKET


def test_every_change_is_a_ledger_event(archive: Archive) -> None:
    set_synonym(archive, KEEPER, "results", "没戏", "准予许可")
    set_synonym(archive, KEEPER, "results", "没戏", "不予许可")
    remove_synonym(archive, KEEPER, "results", "没戏")
    with archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "search_synonym").order_by(Event.id)).all()
    assert [e.actor for e in events] == ["keeper"] * 3
    assert [(e.detail["action"], e.detail["target"], e.detail["previous"]) for e in events] == [
        ("set", "准予许可", None),
        ("set", "不予许可", "准予许可"),
        ("remove", None, "不予许可"),
    ]
    assert {(e.detail["kind"], e.detail["alias"]) for e in events} == {("results", "没戏")}
    assert all(e.record_id is None for e in events)
