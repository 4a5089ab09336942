from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dangan.demo import MATTERS
from dangan.digitize import pdf_text
from dangan.digitize.extract import MatterRef, Proposal, best, propose
from dangan.domain import id_check_char, uscc_check_char
from tests.factories import demo_case

USCC = "91130302MA0ABCDE1" + uscc_check_char("91130302MA0ABCDE1")
ID = "13030219890529851" + id_check_char("13030219890529851")
REFS = [MatterRef(m.name, m.department) for m in MATTERS] + [
    MatterRef("食品经营许可", "秦皇岛市市场监督管理局", ("餐饮服务许可",))
]
DEPARTMENTS = sorted({m.department for m in MATTERS})


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[int, int, int, int]
    confidence: float


def top(text: str) -> dict[str, Proposal]:
    return best(propose(text, matters=REFS, departments=DEPARTMENTS))


DECISION_LINES = [
    "秦皇岛市市场监督管理局",
    "准予行政许可决定书",
    "秦市监许[2023]128号",
    "秦皇岛海味轩餐饮有限公司：",
    "你单位于2023年3月1日提出的餐饮服务许可申请，本机关已依法受理。经审查，决定准予许可。",
    f"统一社会信用代码：{USCC}",
    "法定代表人：王建国",
    "住所：秦皇岛市海港区文化路149号",
    "许可证编号：JY11303022023000128",
    "有效期限：2023年3月10日至2028年3月9日",
    "注册资本：人民币伍佰万元整",
    "秦皇岛市市场监督管理局",
    "二〇二三年三月十日",
]


def ocr_lines(texts: list[str], confidence: float = 0.98) -> list[Line]:
    return [
        Line(t, (100, 60 + 50 * i, 100 + 30 * len(t), 100 + 50 * i), confidence) for i, t in enumerate(texts)
    ]


def test_decision_from_ocr_lines_gives_every_field() -> None:
    lines = ocr_lines(DECISION_LINES)
    text = "\n".join(line.text for line in lines)
    got = best(propose(text, lines, matters=REFS, departments=DEPARTMENTS))
    values = {f: p.value for f, p in got.items()}
    assert values["doc_number"] == "秦市监许〔2023〕128号"
    assert values["applicant"] == "秦皇岛海味轩餐饮有限公司"
    assert values["uscc"] == USCC
    assert values["legal_representative"] == "王建国"
    assert values["address"] == "秦皇岛市海港区文化路149号"
    assert values["licence_number"] == "JY11303022023000128"
    assert values["licence_valid_from"] == "2023-03-10"
    assert values["licence_valid_until"] == "2028-03-09"
    assert values["registered_capital"] == 5_000_000
    assert values["accepted_at"] == "2023-03-01"
    assert values["written_at"] == "2023-03-10"
    assert values["decided_at"] == "2023-03-10"
    assert values["matter"] == "食品经营许可"  # through its abbreviation
    assert values["department"] == "秦皇岛市市场监督管理局"
    assert values["result"] == "准予许可"
    for p in got.values():
        assert text[p.start : p.end], p  # every proposal points at its source


def test_application_pdf_text_gives_the_case_fields(tmp_path: Path) -> None:
    case = demo_case(3)
    path = tmp_path / "a.pdf"
    path.write_bytes(case.files["申请书.pdf"])
    text = pdf_text(path)
    got = top(text)
    a = case.case["applicant"]
    assert got["applicant"].value == a["name"]
    assert got["id_number"].value == a["id_number"]
    assert got["phone"].value == a["phone"]
    assert got["address"].value == a["address"]
    assert got["accepted_at"].value == case.case["accepted_at"]
    assert got["matter"].value == case.case["matter"]["name"]
    assert got["department"].value == case.case["department"]
    assert got["industry"].value == case.case["industry"]
    if a.get("uscc"):
        assert got["uscc"].value == a["uscc"]
        assert got["legal_representative"].value == a["legal_representative"]
    for field in ("applicant", "address", "id_number"):
        p = got[field]
        assert text[p.start : p.end] == p.value  # the span is the value, not its label


def test_decision_pdf_text_gives_the_case_fields(tmp_path: Path) -> None:
    case = demo_case(5)
    path = tmp_path / "d.pdf"
    path.write_bytes(case.files["决定书.pdf"])
    got = top(pdf_text(path))
    assert got["doc_number"].value == case.case["doc_number"]
    assert got["applicant"].value == case.case["applicant"]["name"]
    assert got["decided_at"].value == case.case["decided_at"]
    assert got["accepted_at"].value == case.case["accepted_at"]
    assert got["result"].value == case.case["result"]
    assert got["department"].value == case.case["department"]


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("二〇二三年三月十五日", "2023-03-15"),
        ("二○二三年十二月三十一日", "2023-12-31"),
        ("二O二四年二月二十九日", "2024-02-29"),
        ("２０２３年３月１５日", "2023-03-15"),
        ("2023 年 3 月 5 日", "2023-03-05"),
        ("2023-03-15", "2023-03-15"),
        ("2023.3.15", "2023-03-15"),
    ],
)
def test_dates_in_any_numerals_come_out_iso(written: str, iso: str) -> None:
    got = top(f"成文日期：{written}")
    assert got["written_at"].value == iso


@pytest.mark.parametrize("pair", ["〔〕", "[]", "()", "（）", "【】", "［］", "﹝﹞", "〈〉"])
def test_document_number_brackets_are_normalised(pair: str) -> None:
    got = top(f"准予行政许可决定书\n秦环审{pair[0]}2023{pair[1]}45号\n某某有限公司：")
    assert got["doc_number"].value == "秦环审〔2023〕45号"


def test_a_cited_document_number_ranks_below_the_documents_own() -> None:
    text = "冀政办字〔2022〕7号\n根据《关于进一步优化营商环境的通知》（国办发〔2019〕39号）的规定"
    ranked = [p for p in propose(text) if p.field == "doc_number"]
    assert [p.value for p in ranked] == ["冀政办字〔2022〕7号", "国办发〔2019〕39号"]
    assert ranked[1].confidence < 0.7


def test_valid_uscc_is_confident_and_invalid_one_is_flagged_not_dropped() -> None:
    good = top(f"统一社会信用代码：{USCC}")["uscc"]
    assert good.value == USCC and good.confidence >= 0.9 and good.note is None
    wrong = USCC[:17] + ("0" if USCC[17] != "0" else "1")
    bad = top(f"统一社会信用代码：{wrong}")["uscc"]
    assert bad.value == wrong
    assert bad.confidence < 0.5
    assert bad.note and "校验位" in bad.note


def test_uscc_read_with_ocr_confusions_is_repaired_with_a_note() -> None:
    misread = USCC[:4] + "O" + USCC[5:]  # the 0 of the region code read as the letter O
    assert USCC[4] == "0"
    got = top(f"统 一 社 会 信 用 代 码 {misread}")["uscc"]
    assert got.value == USCC
    assert 0.5 < got.confidence < 0.9
    assert got.note and misread in got.note


def test_id_number_check_digit() -> None:
    good = top(f"身份证件号码：{ID}")["id_number"]
    assert good.value == ID and good.confidence >= 0.9
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    bad = top(f"身份证件号码：{wrong}")["id_number"]
    assert bad.value == wrong and bad.confidence < 0.5
    assert bad.note and "校验码" in bad.note
    lower = top(f"公民身份号码 {ID[:17]}x")["id_number"]
    assert lower.value in (ID[:17] + "X", ID[:17] + "x")


@pytest.mark.parametrize(
    ("written", "yuan"),
    [
        ("壹拾万元整", 100_000),
        ("人民币伍佰万元整", 5_000_000),
        ("壹万贰仟叁佰肆拾伍元陆角柒分", 12345.67),
        ("十万元", 100_000),
        ("500万元", 5_000_000),
        ("12.5万元", 125_000),
        ("1,234.56元", 1234.56),
        ("￥3000元", 3000),
        ("１,２３４.５６元", 1234.56),  # full-width figures, folded before they are read
    ],
)
def test_amounts_come_out_in_yuan(written: str, yuan: float) -> None:
    assert top(f"注册资本：{written}")["registered_capital"].value == yuan


def test_a_bare_number_is_not_money() -> None:
    assert "amount" not in top("金额 12345 件")


def test_boxes_come_from_the_lines_the_value_is_on() -> None:
    lines = ocr_lines(DECISION_LINES)
    lines[5] = Line(lines[5].text, (40, 300, 900, 340), 0.6)
    text = "\n".join(line.text for line in lines)
    got = best(propose(text, lines))
    assert got["uscc"].box == (40, 300, 900, 340)
    assert got["legal_representative"].box == lines[6].box
    assert got["doc_number"].box == lines[2].box
    # the OCR's doubt about a line lowers what is read from it
    clean = best(propose(text, ocr_lines(DECISION_LINES)))["uscc"]
    assert got["uscc"].confidence < clean.confidence


def test_value_on_the_line_after_its_label_gets_that_lines_box() -> None:
    lines = ocr_lines(["统一社会信用代码", USCC, "其他"])
    got = best(propose("\n".join(line.text for line in lines), lines))["uscc"]
    assert got.box == lines[1].box


def test_value_split_over_two_lines_gets_the_union_of_both_boxes() -> None:
    lines = [Line("秦市监许", (500, 100, 620, 130), 0.9), Line("〔2023〕128号", (80, 140, 300, 170), 0.9)]
    got = best(propose("\n".join(line.text for line in lines), lines))["doc_number"]
    assert got.value == "秦市监许〔2023〕128号"
    assert got.box == (80, 100, 620, 170)


def test_text_not_made_of_the_lines_gets_no_boxes() -> None:
    lines = ocr_lines(DECISION_LINES)
    got = best(propose("法定代表人：王建国", lines))["legal_representative"]
    assert got.box is None


def test_labels_run_together_without_separators_still_split() -> None:
    text = f"申请人名称 海港区汇通宾馆申请人类型 个体工商户统一社会信用代码 {USCC}\n法定代表人（负责人） 夏淑珍身份证件号码 {ID}"
    got = top(text)
    assert got["applicant"].value == "海港区汇通宾馆"
    assert got["applicant_type"].value == "个体工商户"
    assert got["legal_representative"].value == "夏淑珍"
    assert got["id_number"].value == ID


def test_street_names_that_look_like_labels_stay_in_the_address() -> None:
    got = top("住所（经营场所） 秦皇岛市海港区民族路195号底商所属行业 正餐服务（H6210）")
    assert got["address"].value == "秦皇岛市海港区民族路195号底商"
    assert got["industry"].value == "H6210"


def test_unknown_matter_is_proposed_from_its_label_with_a_note() -> None:
    got = best(propose("审批事项 古树名木迁移审批\n审批结果 准予许可"))
    assert got["matter"].value == "古树名木迁移审批"
    assert got["matter"].note
    assert got["result"].value == "准予许可"


def test_category_needs_both_matter_and_industry() -> None:
    got = top("申请事项 公共场所卫生许可\n所属行业 其他一般旅馆（H6129）")
    assert got["category"].value == "XK-H"
    assert "category" not in top("申请事项 公共场所卫生许可")


def test_nothing_found_in_empty_or_unrelated_text() -> None:
    assert propose("") == []
    assert propose("今天天气很好，我们去公园散步。") == []


def test_to_dict_carries_the_chinese_label() -> None:
    p = top(f"统一社会信用代码：{USCC}")["uscc"]
    d = p.to_dict()
    assert d["label"] == "统一社会信用代码" and d["value"] == USCC and d["box"] is None


def test_a_department_name_garbled_by_a_seal_is_matched_to_a_known_one() -> None:
    text = "决定准予许可。\n秦皇岛市卫生、康委员会\n2025年9月18日"
    got = best(propose(text, departments=DEPARTMENTS))["department"]
    assert got.value == "秦皇岛市卫生健康委员会"
    assert got.note and "卫生、康" in got.note
    assert "department" not in best(propose(text))


def test_the_ocr_pages_own_lines_are_accepted() -> None:
    from dangan.digitize.ocr import Line as OcrLine
    from dangan.digitize.ocr import PageText

    page = PageText(
        [OcrLine(t, (10, 10 + 40 * i, 600, 40 + 40 * i), 0.95) for i, t in enumerate(DECISION_LINES)]
    )
    got = best(propose(page.text, page.lines, matters=REFS))
    assert got["uscc"].value == USCC
    assert got["uscc"].box == page.lines[5].box


def test_traditional_forms_the_recogniser_prints_still_read_as_labels() -> None:
    text = "准予行政许可决定书\n決定日期\n2023年11月2日\n统一社會信用代碼\n" + USCC + "\n2023年11月1日"
    got = top(text)
    assert got["decided_at"].value == "2023-11-02"  # the labelled date beats a misread signature date
    assert got["uscc"].value == USCC and got["uscc"].confidence >= 0.9


def test_a_wrapped_acceptance_number_is_not_an_id_number() -> None:
    head = "13030020220322512"
    number = head + id_check_char(head)  # valid as an ID by chance, as 1 in 11 are
    text = f"你单位提出的申请（受理编号：{number}\n0），本机关已依法受理。"
    assert "id_number" not in top(text)
    assert top(f"兹证明张三（身份证件号码：{ID}）")["id_number"].value == ID


def test_a_sentence_about_a_manager_is_not_a_legal_representative() -> None:
    assert "legal_representative" not in top("经审查，技术负责人资历不符合标准。")
    assert top("负责人：李四\n")["legal_representative"].value == "李四"
