from __future__ import annotations

import copy
from typing import Any

import pytest

from dangan.collect import parse_case
from dangan.core import ValidationFailed
from dangan.domain import Retention, SecurityLevel
from tests.factories import demo_case


def _doc(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(demo_case(3).case)
    doc.update(changes)
    return doc


def _codes(doc: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        parse_case(doc)
    return {p.field or "": p.code for p in info.value.problems}


def test_a_demo_case_is_valid() -> None:
    meta = parse_case(_doc())
    assert meta.key[0] and meta.key[1]
    assert meta.files and all(f.sha256 for f in meta.files)


@pytest.mark.parametrize(
    "field",
    ["source_system", "source_id", "department", "title", "accepted_at", "decided_at", "result", "files"],
)
def test_each_required_field_is_reported_with_its_name(field: str) -> None:
    doc = _doc()
    del doc[field]
    assert _codes(doc)[field] == "missing_field"


def test_all_problems_are_reported_at_once_in_chinese() -> None:
    doc = _doc(accepted_at="2023-13-01", retention="五年", security_level="绝密")
    doc["applicant"] = dict(doc["applicant"], name="", uscc="91110000600037341N")
    with pytest.raises(ValidationFailed) as info:
        parse_case(doc)
    codes = {p.code for p in info.value.problems}
    assert {
        "invalid_date",
        "invalid_retention",
        "invalid_security_level",
        "missing_field",
        "invalid_uscc",
    } <= codes
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p.message) for p in info.value.problems)


def test_matter_name_is_required() -> None:
    doc = _doc(matter={"code": "X"})
    assert _codes(doc)["matter.name"] == "missing_field"


def test_dates_must_be_in_order() -> None:
    assert _codes(_doc(accepted_at="2023-03-10", decided_at="2023-03-01"))["decided_at"] == "date_order"


def test_datetime_values_are_accepted_as_dates() -> None:
    meta = parse_case(_doc(accepted_at="2023-03-01T09:30:00+08:00", decided_at="2023-03-02"))
    assert meta.accepted_at.isoformat() == "2023-03-01"


@pytest.mark.parametrize(
    "path",
    [
        "../etc/passwd",
        "/etc/passwd",
        "a/../../b",
        "C:/x.pdf",
        "a\\b.pdf",
        "bad\x00.pdf",
        "invoice\u202efdp.exe",
    ],
)
def test_paths_that_escape_are_rejected(path: str) -> None:
    doc = _doc()
    doc["files"] = [{"path": path}]
    assert _codes(doc)["files[0].path"] == "unsafe_path"


def test_duplicate_file_paths_are_rejected() -> None:
    doc = _doc()
    doc["files"] = [{"path": "a.pdf"}, {"path": "A.pdf"}]
    assert _codes(doc)["files[1].path"] == "duplicate_path"


def test_bad_hash_format_is_rejected() -> None:
    doc = _doc()
    doc["files"] = [{"path": "a.pdf", "sha256": "abc"}]
    assert _codes(doc)["files[0].sha256"] == "invalid_hash"


def test_unknown_codes_are_rejected() -> None:
    codes = _codes(_doc(district="999999", industry="Z9999"))
    assert codes["district"] == "unknown_district"
    assert codes["industry"] == "unknown_industry"


def test_unknown_fields_are_kept_in_extra() -> None:
    doc = _doc(extra={"窗口": "3号"}, custom_top="保留")
    doc["applicant"] = dict(doc["applicant"], nickname="老王")
    doc["files"][0] = dict(doc["files"][0], pages=3)
    meta = parse_case(doc)
    assert meta.extra == {"窗口": "3号", "custom_top": "保留"}
    assert meta.applicant.extra == {"nickname": "老王"}
    assert meta.files[0].extra == {"pages": 3}


def test_defaults_and_levels() -> None:
    doc = _doc()
    for k in ("retention", "security_level", "open_to_public"):
        doc.pop(k, None)
    meta = parse_case(doc)
    assert meta.retention is Retention.Y30
    assert meta.security_level is SecurityLevel.INTERNAL
    assert meta.open_to_public is False


def test_only_public_records_can_be_open() -> None:
    assert _codes(_doc(security_level="内部", open_to_public=True))["open_to_public"] == "open_not_public"


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_case(["not", "an", "object"])
    assert info.value.code == "invalid_case_json"
