"""Generated cases follow case package v1 and look like one city's approval records."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from datetime import date

import pypdfium2 as pdfium
import pytest
from PIL import Image

from dangan.core import ValidationFailed
from dangan.demo import DEPARTMENTS, DemoCase, case_json, generate_cases, make_case
from dangan.domain.codes import is_valid_id_number, is_valid_uscc
from dangan.domain.levels import Retention, SecurityLevel

CONTRACT_KEYS = [
    "source_system", "source_id", "department", "matter", "title", "doc_number", "applicant", "district",
    "industry", "accepted_at", "decided_at", "result", "retention", "security_level", "open_to_public",
    "files", "extra",
]  # fmt: skip
DISTRICTS = {"130302", "130303", "130304", "130306", "130321", "130322", "130324"}
DOC_NUMBER = re.compile(r"^秦[\u4e00-\u9fff]{1,3}〔(\d{4})〕([1-9]\d*)号$")


def test_every_case_has_the_contract_fields(sample: list[DemoCase]) -> None:
    systems = {d.name: d.source_system for d in DEPARTMENTS}
    for c in sample:
        case = c.case
        assert list(case) == CONTRACT_KEYS
        for key in (
            "source_system",
            "source_id",
            "department",
            "title",
            "accepted_at",
            "decided_at",
            "result",
        ):
            assert isinstance(case[key], str) and case[key], key
        assert case["matter"]["name"] and case["matter"]["code"]
        assert case["applicant"]["name"] and case["files"] and all(f["path"] for f in case["files"])
        assert systems[case["department"]] == case["source_system"]
        assert case["title"].startswith("关于" + case["applicant"]["name"]) and case["title"].endswith(
            "的审批"
        )
        assert case["matter"]["name"].removesuffix("审批") in case["title"]
        assert "审批的审批" not in case["title"]
        assert isinstance(case["extra"], dict) and isinstance(case["open_to_public"], bool)
        json.loads(case_json(c))  # serialisable


def test_identifiers_are_unique(sample: list[DemoCase]) -> None:
    ids = [c.case["source_id"] for c in sample]
    assert len(set(ids)) == len(ids)
    keys = {(c.case["source_system"], c.case["source_id"]) for c in sample}
    assert len(keys) == len(sample)
    numbers = [c.case["doc_number"] for c in sample]
    assert len(set(numbers)) == len(numbers)


def test_doc_numbers_follow_the_decision_year_and_date_order(sample: list[DemoCase]) -> None:
    series: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for c in sample:
        m = DOC_NUMBER.match(c.case["doc_number"])
        assert m, c.case["doc_number"]
        assert m.group(1) == c.case["decided_at"][:4]
        prefix = c.case["doc_number"].split("〔")[0]
        series[(prefix, m.group(1))].append((c.case["decided_at"], int(m.group(2))))
    for entries in series.values():
        entries.sort()
        numbers = [n for _, n in entries]
        assert numbers == sorted(numbers), "文号 rise with the decision date"


def test_dates_are_working_days_in_range(sample: list[DemoCase]) -> None:
    years: Counter[int] = Counter()
    for c in sample:
        accepted = date.fromisoformat(c.case["accepted_at"])
        decided = date.fromisoformat(c.case["decided_at"])
        assert accepted <= decided and (decided - accepted).days <= 60
        assert accepted.weekday() < 5 and decided.weekday() < 5
        assert date(2019, 1, 1) <= accepted and decided <= date(2025, 12, 31)
        years[accepted.year] += 1
    assert set(years) == set(range(2019, 2026))
    assert years[2024] + years[2023] > years[2019] + years[2020], "recent years are busier"


def test_applicants_are_valid_and_local(
    sample: list[DemoCase], industry_classes: dict[str, tuple[str, str]]
) -> None:
    types: Counter[str] = Counter()
    for c in sample:
        a, case = c.case["applicant"], c.case
        types[a["type"]] += 1
        assert case["district"] in DISTRICTS
        assert (
            case["industry"][1:] in industry_classes
            and industry_classes[case["industry"][1:]][0] == case["industry"][0]
        )
        assert is_valid_id_number(a["id_number"]), a
        assert re.fullmatch(r"1[3-9]\d{9}", a["phone"])
        assert a["address"].startswith("秦皇岛市")
        if a["type"] == "个人":
            assert "uscc" not in a and "legal_representative" not in a
        else:
            assert is_valid_uscc(a["uscc"]), a
            assert a["uscc"][2:8] == case["district"]
            assert a["legal_representative"]
    assert types["企业"] > types["个体工商户"] > 0 and types["个人"] > 0


def test_same_enterprise_recurs_across_departments(sample: list[DemoCase]) -> None:
    departments: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    for c in sample:
        uscc = c.case["applicant"].get("uscc")
        if uscc:
            departments[uscc].add(c.case["department"])
            names[uscc].add(c.case["applicant"]["name"])
    assert sum(1 for d in departments.values() if len(d) >= 2) >= 10
    assert all(len(n) == 1 for n in names.values()), "one USCC, one name"
    by_name: dict[str, set[str]] = defaultdict(set)
    for c in sample:
        if "uscc" in c.case["applicant"]:
            by_name[c.case["applicant"]["name"]].add(c.case["applicant"]["uscc"])
    assert all(len(u) == 1 for u in by_name.values()), "one name, one USCC"


def test_variety_and_labels(sample: list[DemoCase]) -> None:
    assert len({c.case["department"] for c in sample}) >= 6
    assert len({c.case["matter"]["code"] for c in sample}) >= 15
    results = Counter(c.case["result"] for c in sample)
    assert results["准予许可"] > len(sample) * 0.6 and {"不予许可", "准予变更", "准予延续"} <= set(results)
    levels = Counter(c.case["security_level"] for c in sample)
    assert levels["内部"] > len(sample) / 2 and levels["公开"] > 0 and levels["秘密"] > 0
    for c in sample:
        Retention.parse(c.case["retention"])
        SecurityLevel.parse(c.case["security_level"])
        assert not c.case["open_to_public"] or c.case["security_level"] == "公开"
    assert any(c.case["open_to_public"] for c in sample)
    assert 0.05 * len(sample) < sum(1 for c in sample if c.case["extra"]) < 0.5 * len(sample)


def test_files_match_their_listing(sample: list[DemoCase]) -> None:
    counts: Counter[int] = Counter()
    for c in sample:
        listing = c.case["files"]
        counts[len(listing)] += 1
        assert 2 <= len(listing) <= 4
        assert [f["path"] for f in listing] == list(c.files)
        assert listing[0]["role"] == "申请书" and listing[-1]["role"] == "决定书"
        for f in listing:
            data = c.files[f["path"]]
            assert hashlib.sha256(data).hexdigest() == f["sha256"]
            assert f["path"].startswith(f["role"] + ".")
            if f["path"].endswith(".pdf"):
                assert data.startswith(b"%PDF-") and 1_000 < len(data) < 20_000
    assert counts[3] > counts[2] + counts[4]


def test_some_cases_carry_a_scanned_page(sample: list[DemoCase]) -> None:
    scans = [(p, b) for c in sample for p, b in c.files.items() if p.endswith((".jpg", ".png"))]
    assert 0.04 * len(sample) <= len(scans) <= 0.2 * len(sample)
    assert {p.rsplit(".", 1)[1] for p, _ in scans} == {"jpg", "png"}
    for path, data in scans:
        assert len(data) < 150_000, path
        with Image.open(io.BytesIO(data)) as im:
            assert im.mode in ("L", "P"), path
            assert abs(im.height / im.width - 11.69 / 8.27) < 0.01
            assert 100 <= im.width / 8.27 <= 150
            assert im.format == ("PNG" if path.endswith(".png") else "JPEG")


def _fingerprint(cases: list[DemoCase]) -> list[tuple[bytes, dict[str, bytes]]]:
    return [(case_json(c), c.files) for c in cases]


def test_same_seed_same_bytes_and_prefix_stable() -> None:
    first = list(generate_cases(25, seed=99))
    again = list(generate_cases(25, seed=99))
    assert _fingerprint(first) == _fingerprint(again)
    assert _fingerprint(list(generate_cases(8, seed=99))) == _fingerprint(first[:8])
    other = list(generate_cases(8, seed=100))
    assert [case_json(c) for c in other] != [case_json(c) for c in first[:8]]


def test_generation_is_lazy() -> None:
    it = generate_cases(10**9)
    assert next(it).case["source_id"].endswith("-000001")


def test_negative_count_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        list(generate_cases(-1))


def test_make_case_is_deterministic_and_distinct() -> None:
    a, b = make_case(1), make_case(1)
    assert case_json(a) == case_json(b) and a.files == b.files
    ids = {make_case(s).case["source_id"] for s in range(20)}
    assert len(ids) == 20
    generated = {c.case["source_id"] for c in generate_cases(50)}
    assert not ids & generated


def test_make_case_overrides_reach_the_documents() -> None:
    c = make_case(3, title="测试标题", source_id="TEST-0001", doc_number="秦测许〔2024〕9号")
    assert c.case["title"] == "测试标题" and c.case["source_id"] == "TEST-0001"
    text = pdfium.PdfDocument(c.files["决定书.pdf"])[0].get_textpage().get_text_range()
    assert "秦测许〔2024〕9号" in text
    for f in c.case["files"]:
        assert hashlib.sha256(c.files[f["path"]]).hexdigest() == f["sha256"]


def test_make_case_keeps_an_overridden_file_list() -> None:
    files = [{"path": "决定书.pdf", "role": "决定书", "sha256": "0" * 64}]
    c = make_case(4, files=files)
    assert c.case["files"] == files
    assert "决定书.pdf" in c.files
