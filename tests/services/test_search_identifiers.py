"""Staff find a record by any number they have, first and labelled; personal numbers find nothing for
whoever may not see them in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.records import record_for
from dangan.services.utilisation import search
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
FOOD = {"code": "SCJG-XK-101", "name": "食品经营许可"}
ARCHIVIST = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
JUNIOR = Principal("junior", Role.ARCHIVIST, clearance=SecurityLevel.INTERNAL)
OTHER_CLERK = Principal("c2", Role.CLERK, department="秦皇岛市生态环境局", clearance=SecurityLevel.INTERNAL)


@pytest.fixture
def ids(archive: Archive, tmp_path: Path) -> list[str]:
    folders = [package_dir(tmp_path / "in", 700 + i, department=DEPT, matter=FOOD, security_level="内部",
                           open_to_public=False) for i in range(4)]  # fmt: skip
    report = import_paths(archive, folders)
    assert len(report.accepted) == 4
    return [str(o.record_id) for o in report.accepted]


def test_every_identifier_finds_its_record_first_and_says_which(archive: Archive, ids: list[str]) -> None:
    record = record_for(archive, ARCHIVIST, ids[2])
    for query, label in [
        (record.archival_code, "档号"), (record.archival_code.lower(), "档号"), (record.source_id, "办件编号"),
        (record.doc_number, "文号"), (record.applicant_uscc, "统一社会信用代码"),
    ]:  # fmt: skip
        result = search(archive, ARCHIVIST, str(query))
        assert result.hits and result.hits[0].record_id == ids[2], query
        assert result.hits[0].matched == label and result.hits[0].as_json()["matched"] == label
        assert [h.record_id for h in result.hits].count(ids[2]) == 1  # not again among the text hits
        assert result.total == len(result.hits)


def test_identifiers_respect_the_policy(archive: Archive, ids: list[str]) -> None:
    code = record_for(archive, ARCHIVIST, ids[0]).archival_code
    assert search(archive, OTHER_CLERK, code).total == 0


def test_personal_numbers_find_only_what_the_user_sees_in_clear(archive: Archive, ids: list[str]) -> None:
    record = record_for(archive, ARCHIVIST, ids[1])
    assert record.id_number and record.phone
    for number in (record.id_number, record.phone):
        assert ids[1] in [h.record_id for h in search(archive, ARCHIVIST, number).hits]
        assert search(archive, JUNIOR, number).total == 0  # reads the record, may not see the number
    assert search(archive, JUNIOR, record.source_id).total == 1  # the record itself is still found


def test_identifier_hits_then_text_hits_paginate_exactly(archive: Archive, ids: list[str]) -> None:
    everything = search(archive, ARCHIVIST, "食品经营许可", limit=50)
    assert everything.total == 4 and {h.matched for h in everything.hits} == {None}  # words, not a number
    pages = [search(archive, ARCHIVIST, "食品经营许可", limit=3, offset=o).hits for o in (0, 3)]
    assert [h.record_id for page in pages for h in page] == [h.record_id for h in everything.hits]


def test_a_number_the_pdf_broke_across_lines_is_found_whole(archive: Archive, tmp_path: Path) -> None:
    import io
    import re

    import pypdfium2 as pdfium

    from dangan.demo import make_case, write_case

    for seed in range(800, 900):  # a demo 决定书 whose 受理编号 wraps at the end of a line
        case = make_case(seed, department=DEPT, matter=FOOD)
        doc = pdfium.PdfDocument(io.BytesIO(case.files["决定书.pdf"]))
        text = doc[0].get_textpage().get_text_range()
        doc.close()
        broken = re.search(r"受理编号：(\d+)\r?\n(\d+)", text)
        if broken:
            break
    assert broken, "no demo 决定书 with a wrapped 受理编号"
    report = import_paths(archive, [write_case(case, tmp_path / "in")])
    number = broken.group(1) + broken.group(2)
    hits = search(archive, ARCHIVIST, number).hits
    assert [h.record_id for h in hits] == [report.accepted[0].record_id]
    assert hits[0].matched == "材料正文"  # found in the 决定书's text, and the hit says so


@pytest.mark.parametrize("engine", ["engine", "sql"])
@pytest.mark.parametrize("where", ["head", "middle", "tail"])
def test_one_wrong_character_anywhere_is_suggested_only_to_who_may_read_it(
    archive: Archive, ids: list[str], where: str, engine: str
) -> None:
    record = record_for(archive, ARCHIVIST, ids[3])
    same = open_archive(load_settings(archive.settings.home, search_engine=engine))
    try:
        for value in (record.archival_code, record.applicant_uscc or "", record.source_id):
            at = {"head": 1, "middle": len(value) // 2, "tail": len(value) - 2}[where]
            wrong = "Q" if value[at] != "Q" else "W"
            typo = value[:at] + wrong + value[at + 1 :]
            result = search(same, ARCHIVIST, typo)
            assert result.total == 0 and value in result.suggestions, (where, value, typo, result.suggestions)
            assert value not in search(same, OTHER_CLERK, typo).suggestions
    finally:
        same.close()
