"""Fields proposed from a scanned 决定书 after OCR, confirmed or corrected by an archivist (kept as
versions of the record's confirmed description, each a ledger event), refused whole on a bad value,
hidden from who may not read the record, personal data masked; and the classifier of matter/category
trained on the archive's own records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.access import Principal
from dangan.core import NotFound, PermissionDenied, ValidationFailed, load_settings
from dangan.domain import uscc_check_char
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.digitization import (
    classifier_status,
    confirm,
    confirmed_description,
    proposals_for,
    propose_record,
    suggest,
    train_classifier,
)
from dangan.services.digitization._classifier import training_examples
from dangan.services.intake import import_paths
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import ConfirmedDescription, Event, ExtractionProposal, get_record
from tests.factories import demo_archive
from tests.services.digitization_helpers import DOC_NUMBER, ID_NUMBER, scanned_case, text_page

PASSWORD = "Correct-Horse-9"
USCC17 = "91130302MA0C8K4L3"
USCC = USCC17 + uscc_check_char(USCC17)
BAD_USCC = USCC17 + next(c for c in "0123456789ABCDEFGH" if c != uscc_check_char(USCC17))
PAGE_SIZE = (900, 480)


def decision_page() -> list[str]:
    return [
        "准予行政许可决定书",
        DOC_NUMBER,
        "申请人：秦皇岛海风餐饮有限公司",
        f"统一社会信用代码：{USCC}",
        f"法定代表人身份证号：{ID_NUMBER}",
        "经审查，准予许可。",
        "2024年3月15日",
    ]


class Described:
    def __init__(self, archive: Archive, record_id: str, department: str) -> None:
        self.archive, self.record_id, self.department = archive, record_id, department

    def user(self, name: str, role: str, **kw: str) -> Principal:
        return add_user(self.archive, name, PASSWORD, role, **kw)


@pytest.fixture(scope="module")
def described(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Described]:
    """A record whose two-page scan (a cover, then the decision) went through the pipeline once."""
    from dangan.services.digitization import run_open

    root = tmp_path_factory.mktemp("extraction")
    archive = open_archive(load_settings(root / "data"))
    try:
        pages = [text_page(["卷内文件封面"], size=(900, 200)), text_page(decision_page(), size=PAGE_SIZE)]
        scanned_case(root / "in", 4107, pages, security_level="内部", open_to_public=False)
        report = import_paths(archive, [root / "in"])
        assert len(report.accepted) == 1, report.rejected
        record_id = report.accepted[0].record_id
        assert record_id is not None
        assert {f.status for f in run_open(archive).files} == {"done"}
        with archive.db.read() as s:
            record = get_record(s, record_id)
            assert record is not None
            department = record.department.name
        yield Described(archive, record_id, department)
    finally:
        archive.close()


def _field(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in doc["fields"] if f["field"] == name)


def _values(doc: dict[str, Any], name: str) -> list[Any]:
    return [p["value"] for p in _field(doc, name)["proposals"]]


def _proposal(doc: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    return next(p for p in _field(doc, name)["proposals"] if p["value"] == value)


def test_the_pipeline_proposes_the_decision_fields_with_boxes_on_their_page(described: Described) -> None:
    archivist = described.user("arch1", "archivist", clearance="秘密")
    doc = proposals_for(described.archive, archivist, described.record_id)
    assert not doc["masked"]
    number = _proposal(doc, "doc_number", DOC_NUMBER)
    assert number["source"] == "ocr" and number["page"] == 2, "the decision is the scan's second page"
    x0, y0, x1, y1 = number["box"]
    assert 0 <= x0 < x1 <= PAGE_SIZE[0] and 0 <= y0 < y1 <= PAGE_SIZE[1]
    assert y0 < 150, "the 文号 is the decision's second line, near the top of its page"
    assert USCC in _values(doc, "uscc")
    uscc = _proposal(doc, "uscc", USCC)
    assert uscc["page"] == 2 and uscc["box"][1] > y1, "the USCC's line is below the 文号's"
    dates = _values(doc, "written_at") + _values(doc, "decided_at")
    assert "2024-03-15" in dates
    assert ID_NUMBER in _values(doc, "id_number")
    current = _field(doc, "doc_number")["current"]
    assert current and current != DOC_NUMBER, "the record's ingested 文号 is shown beside the proposal"
    assert _field(doc, "doc_number")["label"] == "文号"


def test_a_confirmation_with_a_correction_is_kept_and_logged(described: Described) -> None:
    archive, rid = described.archive, described.record_id
    archivist = described.user("arch2", "archivist", clearance="秘密")
    with archive.db.read() as s:
        before = get_record(s, rid)
        assert before is not None
        ingested_number = before.doc_number
    corrected = "秦市监许〔2024〕78号"
    values = {"文号": corrected, "uscc": USCC, "written_at": "2024-03-15"}
    doc = confirm(archive, archivist, rid, values, "文号末位识别有误", accept=["result"])
    assert doc["version"] == 1
    change = {c["field"]: c for c in doc["history"][-1]["changes"]}
    assert change["doc_number"]["proposed"] == DOC_NUMBER and change["doc_number"]["confirmed"] == corrected
    assert change["doc_number"]["corrected"] and change["uscc"]["accepted"] and change["result"]["accepted"]
    assert change["result"]["confirmed"] == "准予许可"
    assert change["doc_number"]["before"] == ingested_number
    shown = confirmed_description(archive, archivist, rid)
    assert shown["fields"]["doc_number"] == corrected and shown["fields"]["uscc"] == USCC
    assert shown["fields"]["written_at"] == "2024-03-15"
    with archive.db.read() as s:
        events = s.scalars(
            select(Event).where(Event.kind == "description_confirm", Event.record_id == rid)
        ).all()
        after = get_record(s, rid)
        assert after is not None and after.doc_number == ingested_number, (
            "the ingested record is not rewritten"
        )
    assert len(events) == 1 and events[0].actor == "arch2" and events[0].detail["version"] == 1
    again = confirm(archive, archivist, rid, {"doc_number": DOC_NUMBER})
    assert again["version"] == 2 and len(again["history"]) == 2, "every confirmation is kept"
    assert again["history"][0]["changes"][0]["confirmed"] == corrected
    assert verify_ledger(archive).ok, "confirming never makes the ledger report the record as edited"


def test_a_bad_value_is_refused_in_chinese_and_nothing_changes(described: Described) -> None:
    archive, rid = described.archive, described.record_id
    archivist = described.user("arch3", "archivist")

    def counts() -> tuple[int, int]:
        with archive.db.read() as s:
            versions = s.scalar(select(func.count()).where(ConfirmedDescription.record_id == rid))
            events = s.scalar(
                select(func.count()).select_from(Event).where(Event.kind == "description_confirm")
            )
            return int(versions or 0), int(events or 0)

    seen = counts()
    with pytest.raises(ValidationFailed) as bad:
        confirm(archive, archivist, rid, {"applicant": "秦皇岛海风餐饮有限公司", "uscc": BAD_USCC})
    assert "未做任何更改" in bad.value.message
    assert [p.field for p in bad.value.problems] == ["uscc"]
    assert "统一社会信用代码" in bad.value.problems[0].message and "校验" in bad.value.problems[0].message
    for values in ({"decided_at": "2024-02-30"}, {"id_number": ID_NUMBER[:-1] + "0"}, {"nonsense": "1"}):
        with pytest.raises(ValidationFailed):
            confirm(archive, archivist, rid, values)
    assert counts() == seen


def test_who_may_not_read_the_record_is_told_it_does_not_exist(described: Described) -> None:
    archive, rid = described.archive, described.record_id
    stranger = described.user("stranger", "clerk", department="某县自然资源和规划局")
    missing = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
    for call in (
        lambda r: proposals_for(archive, stranger, r),
        lambda r: confirm(archive, stranger, r, {"doc_number": DOC_NUMBER}),
        lambda r: suggest(archive, stranger, r),
    ):
        with pytest.raises(NotFound) as refused:
            call(rid)
        with pytest.raises(NotFound) as absent:
            call(missing)
        assert refused.value.message == absent.value.message
    own_clerk = described.user("ownclerk", "clerk", department=described.department)
    with pytest.raises(PermissionDenied):
        confirm(archive, own_clerk, rid, {"doc_number": DOC_NUMBER})


def test_an_id_number_in_a_proposal_is_masked_for_who_must_see_it_masked(described: Described) -> None:
    clerk = described.user("clerk2", "clerk", department=described.department)
    doc = proposals_for(described.archive, clerk, described.record_id)
    assert doc["masked"]
    shown = _values(doc, "id_number")
    assert shown and all(ID_NUMBER not in str(v) and "*" in str(v) for v in shown)
    assert ID_NUMBER not in repr(doc), "not in notes, history or the record's values either"
    with described.archive.db.read() as s:
        kept = s.scalars(
            select(ExtractionProposal.value).where(ExtractionProposal.field == "id_number")
        ).all()
    assert ID_NUMBER in kept, "the catalogue keeps the value; only what is shown is masked"


def test_the_classifier_beats_the_majority_baseline_on_held_back_records(tmp_path: Path) -> None:
    with demo_archive(tmp_path, 80, 11) as (archive, _cases):
        archivist = add_user(archive, "trainer", PASSWORD, "archivist", clearance="秘密")
        clerk = add_user(archive, "clerk", PASSWORD, "clerk", department="秦皇岛市市场监督管理局")
        with pytest.raises(PermissionDenied):
            train_classifier(archive, clerk, "matter")
        with pytest.raises(ValidationFailed):
            train_classifier(archive, archivist, "colour")
        assert classifier_status(archive) == {"matter": None, "category": None}
        for target in ("matter", "category"):
            result = train_classifier(archive, archivist, target)
            assert result["n_held_back"] > 5 and result["n_train"] > 40
            assert result["accuracy"] > result["baseline"], result
        status = classifier_status(archive)
        assert status["matter"]["accuracy"] == train_classifier(archive, archivist, "matter")["accuracy"]
        assert status["category"]["trained_at"]
        record_id = _any_record(archive)
        top = suggest(archive, archivist, record_id)
        assert 1 <= len(top["matter"]) <= 3 and 1 <= len(top["category"]) <= 3
        probs = [m["probability"] for m in top["matter"]]
        assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
        assert "/" in top["category"][0]["label"], "a category is shown with its Chinese label"
        other = next(
            c["matter"]["name"] for c in _cases if c["matter"]["name"] != record_matter(archive, record_id)
        )
        confirm(archive, archivist, record_id, {"matter": other}, "事项更正")
        labels = {rid: label for rid, _text, label in training_examples(archive, "matter")}
        assert labels[record_id] == other, "a corrected matter is what the classifier learns"
        shown = propose_record(archive, archivist, record_id)  # born-digital: its PDFs' text layer
        with archive.db.read() as s:
            record = get_record(s, record_id)
            assert record is not None
        number = _proposal(shown, "doc_number", str(record.doc_number))
        assert number["source"] == "pdf" and number["box"] is None and number["span"][1] > number["span"][0]


def _any_record(archive: Archive) -> str:
    from dangan.store.catalog import Record

    with archive.db.read() as s:
        rid = s.scalars(select(Record.id)).first()
    assert rid is not None
    return rid


def record_matter(archive: Archive, record_id: str) -> str:
    with archive.db.read() as s:
        record = get_record(s, record_id)
        assert record is not None
        return record.matter.name
