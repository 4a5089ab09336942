"""Catalogue fields proposed from a document's text, for the archivist to confirm or correct.

Nothing here decides: each value is a `Proposal` with a confidence and the span it came from (and, for
OCR text, the page box of its lines), so the record page can highlight the source beside the field.
Values are read after the labels approval forms print (申请人名称, 统一社会信用代码 …), and a value ends at
the next known label: text out of a PDF or a table row runs label, value, label, value with no separator.
Identifiers are checked by their check characters (GB 32100, GB 11643); one that fails is still proposed,
with a low confidence and the reason, never dropped or silently "fixed". Pure and fast: regular
expressions over the text, no model.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from difflib import SequenceMatcher
from typing import Any, Protocol

from dangan.domain import (
    APPLICANT_TYPES,
    ID_18,
    LANDLINE,
    MOBILE,
    classify,
    id_number_problem,
    industries_by_name,
    industry_by_code,
    uscc_problem,
)

__all__ = ["FIELD_LABELS", "LineLike", "MatterRef", "Proposal", "best", "propose"]

# Keys as the catalogue names them where it has a name (store.catalog Record, case.json applicant).
FIELD_LABELS = {
    "doc_number": "文号",
    "written_at": "成文日期",
    "decided_at": "办结日期",
    "accepted_at": "申请日期",
    "applicant": "申请人",
    "applicant_type": "申请人类型",
    "uscc": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "id_number": "身份证件号码",
    "phone": "联系电话",
    "address": "住所",
    "licence_number": "许可证编号",
    "licence_valid_from": "有效期起",
    "licence_valid_until": "有效期至",
    "registered_capital": "注册资本（元）",
    "investment": "投资额（元）",
    "amount": "金额（元）",
    "matter": "审批事项",
    "result": "审批结果",
    "department": "办理部门",
    "industry": "所属行业",
    "category": "分类",
}
_ORDER = {name: i for i, name in enumerate(FIELD_LABELS)}

Value = str | int | float


class LineLike(Protocol):
    """An OCR line: the page text handed to `propose` is these lines' texts joined by "\\n"."""

    @property
    def text(self) -> str: ...
    @property
    def box(self) -> Sequence[float]: ...
    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class MatterRef:
    """A matter the archive knows (from its catalogue), with the short names staff write for it."""

    name: str
    department: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    field: str
    value: Value
    confidence: float
    start: int  # character offsets of the value in the text given to `propose`
    end: int
    box: tuple[int, int, int, int] | None = None  # union of the OCR line boxes the value came from
    note: str | None = None  # for the archivist, in Chinese: why the value is doubtful or was corrected

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field, "label": FIELD_LABELS.get(self.field, self.field), "value": self.value,
            "confidence": self.confidence, "start": self.start, "end": self.end,
            "box": list(self.box) if self.box else None, "note": self.note,
        }  # fmt: skip


_CJK = "\u3400-\u9fff"
_LETTER_SPACED = re.compile(rf"[{_CJK}](?: [{_CJK}]){{2,}}")
_SPACED_PAIR = re.compile(rf"(?<![{_CJK}])([{_CJK}]) +([{_CJK}])")
_SEP = re.compile(r"[ \t:]*(?:\n[ \t]*)?")
_CELL = re.compile(r"[^\s,.;!?、:《》\"“”]{1,80}")
_ORG = re.compile(
    r"(?:公司|厂|店|部|所|中心|社|院|馆|行|站|场|队|园|会|室|处|局|坊|铺|庄|楼|吧|厅|屋|院|校)$"
)
_DEPT = re.compile(rf"[{_CJK}]{{2,30}}?(?:局|委员会|厅|办公室|人民政府|管理委员会|中心)")
_PERSON = re.compile(rf"[{_CJK}]{{2,4}}|[{_CJK}]{{1,6}}·[{_CJK}]{{1,8}}")
_NOT_NAME = ("身份", "证明", "签字", "签章", "盖章", "姓名", "职务", "性别", "本人", "同志")
_BRACKET = re.compile(
    rf"([{_CJK}]{{1,16}})\s*([\[〔【(〈{{<「『])\s*((?:19|20)\d{{2}})\s*([\]〕】)〉}}>」』])\s*第?\s*(\d{{1,6}})\s*号"
)
# Labels that start another cell; a value never runs into one of them.
_OTHER_LABELS = (
    "申请人类型", "申请人名称", "申请人姓名", "联系电话", "联系人", "电话", "移动电话", "手机号码", "所属行业", "申请事项", "申请类型",
    "申请内容", "审批事项", "审批结果", "许可事项", "事项名称", "许可证编号", "许可证号", "证书编号", "有效期至", "有效期限", "决定日期",
    "成立日期", "登记机关", "营业期限", "经营范围", "类型", "性别", "民族", "出生", "职务", "邮政编码", "邮编", "传真", "材料名称",
    "页数", "出租方", "承租方", "房屋坐落", "建筑面积", "租赁期限", "用途", "受理编号", "项目名称", "建设规模", "车辆数", "执业类别",
    "执业地点", "预售部位", "预售面积", "最高开票限额", "注册资本", "统一社会信用代码", "法定代表人", "负责人", "经营者", "身份证件号码", "公民身份号码",
    "身份证号码", "证件号码", "住所", "地址", "住址", "经营场所", "申请日期", "受理日期", "办结日期", "成文日期", "单位名称", "企业名称",
    "申请人", "名称", "投资总额", "总投资", "金额", "发证机关",
)  # fmt: skip
# A two-character label only cuts where a cell separator follows it: 民族路 is a street, 民族: is a label.
_LABEL_CUT = re.compile(
    "|".join(w if len(w) > 2 else f"{w}(?=[ \t:])" for w in sorted(_OTHER_LABELS, key=len, reverse=True))
)
_TWO_CHAR_LABELS = frozenset(w for w in _OTHER_LABELS if len(w) == 2)


@dataclass(frozen=True)
class _View:
    """The text as matched: full-width forms folded (１→1, （→(, ：→:) and letter-spaced labels
    (统 一 社 会) closed up; `pos` maps each character back to the caller's text."""

    text: str
    pos: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.pos[start], self.pos[end - 1] + 1


# Traditional forms the recogniser sometimes prints for the characters of labels (決定日期, 統一社會信用代碼).
_TRADITIONAL = dict(
    zip(
        "決證號許請業機關經營場統會碼類資額審項為時間簽發蓋範負責電話島區縣鎮號務規劃環境衛護築運輸",
        "决证号许请业机关经营场统会码类资额审项为时间签发盖范负责电话岛区县镇号务规划环境卫护筑运输",
        strict=True,
    )
)


def _view(text: str) -> _View:
    table = {}
    for ch in set(text):
        folded = _TRADITIONAL.get(ch) or unicodedata.normalize("NFKC", ch)
        if folded != ch and len(folded) == 1:
            table[ord(ch)] = folded
    folded_text = text.translate(table).replace("：", ":")
    drop = {i for m in _LETTER_SPACED.finditer(folded_text) for i in range(m.start(), m.end())}
    for m in _SPACED_PAIR.finditer(
        folded_text
    ):  # 住  所, 电  话: short labels spaced to align with long ones
        if m.group(1) + m.group(2) in _TWO_CHAR_LABELS:
            drop.update(range(m.end(1), m.start(2)))
    keep = tuple(i for i in range(len(folded_text)) if i not in drop or folded_text[i] != " ")
    return _View("".join(folded_text[i] for i in keep), keep)


class _Found(list[Proposal]):
    """Proposals as they are found, positioned in the caller's text."""

    def __init__(self, view: _View) -> None:
        super().__init__()
        self.view = view

    def add(
        self, field: str, value: Value, conf: float, start: int, end: int, note: str | None = None
    ) -> None:
        if end <= start:
            return
        s, e = self.view.span(start, end)
        self.append(Proposal(field, value, round(min(max(conf, 0.01), 0.99), 3), s, e, None, note))


def _labelled(view: _View, labels: str) -> Iterator[tuple[int, str]]:
    """(value start, label) for each label, `labels` a regex alternation, longest label first."""
    for m in re.finditer(labels, view.text):
        yield _SEP.match(view.text, m.end()).end(), m.group(0)  # type: ignore[union-attr]


def _cell(text: str, start: int) -> tuple[int, str]:
    """The value that starts at `start`: up to white space, punctuation or the next known label."""
    m = _CELL.match(text, start)
    if not m:
        return start, ""
    value = m.group(0)
    cut = _LABEL_CUT.search(value, 1)
    if cut:
        value = value[: cut.start()]
    return start + len(value), value


# --- identifiers ------------------------------------------------------------------------------------

_DIGIT_LOOKALIKE = str.maketrans("OoDQIlLZzSsBGT", "00001112255867")
_USCC_LOOKALIKE = str.maketrans("OIZSV", "012 5U".replace(" ", ""))  # letters GB 32100 never uses


def _repair_uscc(raw: str) -> str:
    """Undo the OCR confusions a USCC can show: digits read as letters in the region code (chars 3-8),
    and the five letters the code never uses (I O S V Z) read for 1 0 5 U 2."""
    code = raw.upper()
    code = code[:2] + code[2:8].translate(_DIGIT_LOOKALIKE) + code[8:]
    return code.translate(_USCC_LOOKALIKE)


def _uscc(found: _Found) -> None:
    text = found.view.text
    seen: set[int] = set()
    for start, _label in _labelled(found.view, "统一社会信用代码|社会信用代码|信用代码"):
        m = re.compile(r"[0-9A-Za-z]{15,20}(?![0-9A-Za-z])").match(text, start)
        if m:
            seen.add(m.start())
            _uscc_value(found, m.group(0), m.start(), m.end(), labelled=True)
    for m in re.finditer(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])", text):
        if m.start() not in seen and not re.fullmatch(r"\d{17}[\dXx]", m.group(0)):  # ID-shaped
            _uscc_value(found, m.group(0), m.start(), m.end(), labelled=False)


def _uscc_value(found: _Found, raw: str, start: int, end: int, *, labelled: bool) -> None:
    base = 0.95 if labelled else 0.7
    if uscc_problem(raw) is None:
        found.add("uscc", raw, base, start, end)
        return
    fixed = _repair_uscc(raw)
    if uscc_problem(fixed) is None:
        note = f"原文为 {raw}，已按 GB 32100 校验位纠正为 {fixed}，请核对"
        found.add("uscc", fixed, base - 0.2, start, end, note)
    elif labelled:
        found.add("uscc", raw, 0.2, start, end, f"{uscc_problem(raw)}，请核对原件")


def _id_number(found: _Found) -> None:
    text = found.view.text
    seen: set[int] = set()
    labels = "公民身份号码|身份证件号码|身份证号码|身份证号|证件号码"
    for start, _label in _labelled(found.view, labels):
        m = re.compile(r"[0-9OoIlZSB]{14,17}[0-9Xx×OoIl](?![0-9A-Za-z])").match(text, start)
        if m:
            seen.add(m.start())
            _id_value(found, m.group(0), m.start(), m.end(), labelled=True)
    for m in ID_18.finditer(text):
        # An unlabelled 18-digit number is somebody's ID only when no other number label stands before
        # it and it does not run on over a line break (a wrapped 受理编号 has a valid-looking head 1 in 11).
        before = text[max(0, m.start() - 12) : m.start()]
        if m.start() in seen or re.search(r"(?:编号|单号|流水号|许可证号?|号码)[ \t:]*$", before):
            continue
        if re.match(r"[ \t]*\r?\n[ \t]*\d", text[m.end() :]):
            continue
        _id_value(found, m.group(0), m.start(), m.end(), labelled=False)


def _id_value(found: _Found, raw: str, start: int, end: int, *, labelled: bool) -> None:
    fixed = raw[:-1].translate(_DIGIT_LOOKALIKE) + raw[-1].upper().replace("×", "X").translate(
        _DIGIT_LOOKALIKE
    )
    fixed = fixed[:-1] + ("X" if raw[-1] in "Xx×" else fixed[-1])
    if len(fixed) == 15 and fixed.isdigit() and labelled:
        found.add("id_number", fixed, 0.6, start, end, "15位旧身份证号码，无校验码")
        return
    problem = id_number_problem(fixed)
    base = 0.95 if labelled else 0.75
    if problem is None:
        note = None if fixed == raw else f"原文为 {raw}，已纠正为 {fixed}，请核对"
        found.add("id_number", fixed, base - (0.2 if note else 0.0), start, end, note)
    elif labelled:
        found.add("id_number", raw, 0.2, start, end, f"{problem}，请核对原件")


def _doc_numbers(found: _Found) -> None:
    text = found.view.text
    for m in _BRACKET.finditer(text):
        prefix = re.split(r"书|:|文号|字号|决定|通知|证明|号", m.group(1))[-1][-10:]
        if not prefix:
            continue
        start = m.end(1) - len(prefix)
        conf = 0.9 if m.group(2) == "〔" and m.group(4) == "〕" else 0.8
        conf += 0.05 if start < max(200, len(text) // 5) else -0.1
        if re.search(r"(?:根据|依据|按照|《|\()[^\n]{0,30}$", text[max(0, start - 30) : start]):
            conf -= 0.3  # a cited document, not this one
        found.add("doc_number", f"{prefix}〔{m.group(3)}〕{int(m.group(5))}号", conf, start, m.end())


def _licence(found: _Found) -> None:
    text = found.view.text
    value = re.compile(rf"(?:[{_CJK}]{{1,8}}字)?第?[A-Za-z0-9][A-Za-z0-9\-]{{4,29}}号?(?![A-Za-z0-9])")
    labels = "许可证编号|许可证号|证书编号|许可编号|证照编号|执照编号|(?<![受理申请备案])编号"
    for start, label in _labelled(found.view, labels):
        m = value.match(text, start)
        if m:
            found.add("licence_number", m.group(0), 0.9 if len(label) > 2 else 0.7, m.start(), m.end())


# --- names, places, numbers ---------------------------------------------------------------------------


def _names(found: _Found) -> None:
    text = found.view.text
    labels = (
        "申请人名称|申请人姓名|企业名称|单位名称|申请单位|申请人\\(签章\\)|申请人\\(签字\\)|(?<![{0}])名称"
        "|(?<![本该经向])申请人(?=[ \t:\n])"
    )
    for start, label in _labelled(found.view, labels.format(_CJK)):
        end, value = _cell(text, start)
        value = value.rstrip("(")
        if len(value) < 2 or _LABEL_CUT.fullmatch(value) or value in APPLICANT_TYPES:
            continue
        org = bool(_ORG.search(value)) or bool(_PERSON.fullmatch(value))
        conf = (0.9 if label.startswith(("申请人", "企业", "单位")) else 0.7) + (0.05 if org else -0.2)
        found.add("applicant", value, conf, start, start + len(value))
    # The addressee of a decision: "XX有限公司：" after the 文号 (or on its own line).
    addressee = re.compile(rf"(?:号|^)[ \t]*([{_CJK}A-Za-z0-9()·]{{2,40}}?):", re.M)
    for m in addressee.finditer(text):
        name = m.group(1)
        if _DEPT.fullmatch(name) or not (_ORG.search(name) or _PERSON.fullmatch(name)):
            continue
        if not re.search(r"决定书|通知书|告知书|号$", text[: m.start(1)][-40:]):
            continue
        found.add("applicant", name, 0.85, m.start(1), m.end(1))
    for start, _label in _labelled(found.view, "申请人类型|主体类型"):
        end, value = _cell(text, start)
        if value in APPLICANT_TYPES:
            found.add("applicant_type", value, 0.9, start, end)


def _people(found: _Found) -> None:
    text = found.view.text
    # Short labels only with a cell separator after them: 技术负责人资历不符 is a sentence, not a cell.
    labels = r"法定代表人\(负责人\)|法定代表人|主要负责人(?=[ \t:\n])|(?:负责人|经营者|投资人)(?=[ \t:\n])"
    for start, label in _labelled(found.view, labels):
        _end, value = _cell(text, start)
        m = _PERSON.match(value)
        if not m or any(w in m.group(0) for w in _NOT_NAME):
            continue
        exact = m.group(0) == value
        conf = (0.9 if label.startswith("法定") else 0.8) - (0.0 if exact else 0.25)
        found.add("legal_representative", m.group(0), conf, start, start + len(m.group(0)))


def _addresses(found: _Found) -> None:
    text = found.view.text
    labels = r"住所\(经营场所\)|经营场所|注册地址|经营地址|通讯地址|联系地址|住所|住址|地址"
    for start, label in _labelled(found.view, labels):
        end, value = _cell(text, start)
        if len(value) < 4 or not re.search(r"[省市区县镇乡村路街道巷号弄园楼座室]", value):
            continue
        conf = 0.9 if re.search(r"[路街道巷村]\S*?号|号院|号楼", value) else 0.7
        found.add("address", value, conf - (0.05 if len(label) == 2 else 0.0), start, end)


def _phones(found: _Found) -> None:
    text = found.view.text
    for start, _label in _labelled(found.view, "联系电话|移动电话|手机号码|电话"):
        m = MOBILE.match(text, start) or LANDLINE.match(text, start)
        if m:
            found.add("phone", m.group(0), 0.9, m.start(), m.end())


_AMOUNT_LABELS = {
    "registered_capital": "注册资本|注册资金|实缴资本",
    "investment": "投资总额|总投资|投资额",
    "amount": "最高开票限额|收费金额|罚款金额|合同金额|金额",
}


def _amounts(found: _Found) -> None:
    text = found.view.text
    for field, labels in _AMOUNT_LABELS.items():
        for start, _label in _labelled(found.view, labels):
            parsed = parse_amount(text, start)
            if parsed:
                value, end = parsed
                found.add(field, value, 0.9, start, end)


# --- numerals -----------------------------------------------------------------------------------------

_CN_DIGITS = {**dict.fromkeys("零〇○Oo0О", 0), **dict.fromkeys("一壹1", 1), **dict.fromkeys("二贰貳两2", 2),
              **dict.fromkeys("三叁參3", 3), **dict.fromkeys("四肆4", 4), **dict.fromkeys("五伍5", 5),
              **dict.fromkeys("六陆陸6", 6), **dict.fromkeys("七柒7", 7), **dict.fromkeys("八捌8", 8),
              **dict.fromkeys("九玖9", 9)}  # fmt: skip
_CN_UNITS = {**dict.fromkeys("十拾", 10), **dict.fromkeys("百佰", 100), **dict.fromkeys("千仟", 1000)}
_CN_BIG = {**dict.fromkeys("万萬", 10**4), **dict.fromkeys("亿億", 10**8)}
_CN_NUM = "零〇○一壹二贰貳两三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億"
_DATE_AR = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|([-./])(\d{1,2})\4(\d{1,2})(?!\d))"
)
_DATE_CN = re.compile(
    r"([〇零○OoО0一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,2})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)
_AMOUNT = re.compile(
    rf"(?:人民币|\(大写\)|大写|[¥￥]|\s)*(?:(?P<ar>\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(?P<frac>\d+))?\s*(?P<big>亿|万)?\s*(?P<yuan>元|圆)?"
    rf"|(?P<cn>[{_CN_NUM}]+)\s*(?P<cnyuan>元|圆)?(?:(?P<jiao>[{_CN_NUM}])角)?(?:(?P<fen>[{_CN_NUM}])分)?整?)"
)


def cn_integer(text: str) -> int | None:
    """二十五 → 25, 壹拾万 → 100000, 一亿二千万 → 120000000; None when `text` is not a numeral."""
    total = section = number = 0
    seen = False
    for ch in text:
        if ch in _CN_DIGITS:
            number, seen = _CN_DIGITS[ch], True
        elif ch in _CN_UNITS:
            section += (number or 1) * _CN_UNITS[ch]
            number, seen = 0, True
        elif ch in _CN_BIG and seen:
            if _CN_BIG[ch] > 10**4:
                total = (total + section + number) * _CN_BIG[ch]
            else:
                total += (section + number) * _CN_BIG[ch]
            section = number = 0
        else:
            return None
    return total + section + number if seen else None


def scan_dates(text: str) -> list[tuple[int, int, date]]:
    """Every real calendar date in `text` as (start, end, date), Arabic and Chinese numerals alike."""
    found: list[tuple[int, int, date]] = []
    for m in _DATE_AR.finditer(text):
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        _add_date(found, m, int(m.group(1)), int(month), int(day))
    for m in _DATE_CN.finditer(text):
        year = "".join(str(_CN_DIGITS[c]) for c in m.group(1))
        month, day = cn_integer(m.group(2)), cn_integer(m.group(3))
        if month and day:
            _add_date(found, m, int(year), month, day)
    return sorted(found)


def _add_date(found: list[tuple[int, int, date]], m: re.Match[str], year: int, month: int, day: int) -> None:
    with contextlib.suppress(ValueError):  # 2月30日 is no date
        found.append((m.start(), m.end(), date(year, month, day)))


def parse_amount(text: str, start: int) -> tuple[int | float, int] | None:
    """The sum of money at `start` in 元 and where it ends: 500万元, 1,234.5元, 壹拾万元整, 十万元.

    A bare number is not money: 元 or 万 must be written."""
    m = _AMOUNT.match(text, start)
    if not m:
        return None
    if m.group("ar"):
        if not (m.group("big") or m.group("yuan")):
            return None
        value = float(m.group("ar").replace(",", "") + "." + (m.group("frac") or "0"))
        value *= {"亿": 10**8, "万": 10**4}.get(m.group("big") or "", 1)
    elif m.group("cn") and (m.group("cnyuan") or m.group("cn")[-1:] in "万萬亿億"):
        whole = cn_integer(m.group("cn"))
        if whole is None:
            return None
        jiao, fen = cn_integer(m.group("jiao") or "零"), cn_integer(m.group("fen") or "零")
        value = whole + (jiao or 0) / 10 + (fen or 0) / 100
    else:
        return None
    value = round(value, 2)
    return (int(value) if value.is_integer() else value), m.end()


# --- dates --------------------------------------------------------------------------------------------

_DATE_LABEL = re.compile(
    r"(?:(?P<until>有效期至|有效期截至|有效日期至)|(?P<range>有效期限|有效期|许可期限)"
    r"|(?P<decided>(?:决定|办结|审批|批准|核准|发证|签发)(?:日期|时间))|(?P<accepted>(?:申请|受理)(?:日期|时间))"
    r"|(?P<written>成文(?:日期|时间)|落款日期)|(?P<other>成立日期|出生|营业期限|日期|期限))"
    r"[ \t:]*(?:自|为)?[ \t]*$"
)


def _dates(found: _Found, decision: bool) -> None:
    text = found.view.text
    dates = scan_dates(text)
    last_signed = None
    for k, (start, end, day) in enumerate(dates):
        label = _DATE_LABEL.search(text, max(0, start - 12), start)
        kind = label.lastgroup if label else None
        iso = day.isoformat()
        if kind == "until":
            found.add("licence_valid_until", iso, 0.9, start, end)
        elif kind == "range":
            following = dates[k + 1] if k + 1 < len(dates) else None
            if following and re.fullmatch(r"\s*(?:至|到|起至|-|—|–|~|～)\s*", text[end : following[0]]):
                found.add("licence_valid_from", iso, 0.9, start, end)
                found.add("licence_valid_until", following[2].isoformat(), 0.9, following[0], following[1])
        elif kind == "decided":
            found.add("decided_at", iso, 0.92, start, end)
        elif kind == "accepted":
            found.add("accepted_at", iso, 0.9, start, end)
        elif kind == "written":
            found.add("written_at", iso, 0.95, start, end)
        elif re.search(r"于\s*$", text[max(0, start - 3) : start]) and re.match(
            r"\s*(?:提出|提交|申请)", text[end:]
        ):
            found.add("accepted_at", iso, 0.8, start, end)
        elif k > 0 and re.fullmatch(r"\s*(?:至|到|起至|-|—|–|~|～)\s*", text[dates[k - 1][1] : start]):
            continue  # the end of a range whose start is labelled otherwise
        if kind in (None, "decided", "accepted", "written") and start >= len(text) * 0.5:
            last_signed = (start, end, iso)
    if last_signed:
        start, end, iso = last_signed
        own_line = text[:start].rstrip(" \t").endswith("\n") or text[end:].lstrip(" \t")[:1] in ("\n", "")
        found.add("written_at", iso, 0.75 + (0.1 if own_line else 0.0), start, end)
        if decision:
            found.add("decided_at", iso, 0.7, start, end)


# --- matter, department, category ----------------------------------------------------------------------

_RESULTS = {"准予行政许可": "准予许可", "不予行政许可": "不予许可", "准予变更行政许可": "准予变更",
            "准予延续行政许可": "准予延续"}  # fmt: skip


def _matters(found: _Found, matters: Sequence[MatterRef]) -> None:
    text = found.view.text
    labelled = {s for s, _ in _labelled(found.view, "审批事项|申请事项|许可事项|事项名称|办理事项")}
    terms = sorted(((t, m) for m in matters for t in (m.name, *m.aliases) if t), key=lambda p: -len(p[0]))
    taken: list[tuple[int, int]] = []
    for term, ref in terms:
        for m in re.finditer(re.escape(_view(term).text), text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            conf = 0.95 if m.start() in labelled else 0.75
            if re.match(r"申请(?:书)?", text[m.end() :]) or re.search(r"提出的?$", text[: m.start()]):
                conf = max(conf, 0.9)
            found.add("matter", ref.name, conf - (0.05 if term != ref.name else 0.0), m.start(), m.end())
            if ref.department:
                found.add("department", ref.department, 0.6, m.start(), m.end())
    for start in labelled:
        end, value = _cell(text, start)
        if len(value) >= 3 and not any(s <= start < e for s, e in taken):
            found.add("matter", value, 0.7, start, end, "不在本馆已知审批事项中，请核对")
    for start, _label in _labelled(found.view, "审批结果|办理结果|决定结果"):
        end, value = _cell(text, start)
        if value:
            found.add("result", _RESULTS.get(value, value), 0.9, start, end)
    for m in re.finditer(
        r"(准予|不予)(?:变更|延续)?(?:行政)?许可决定书|决定(准予(?:行政)?许可|准予变更|准予延续|不予(?:行政)?许可)",
        text,
    ):
        value = m.group(0).removeprefix("决定").removesuffix("决定书")
        found.add("result", _RESULTS.get(value, value), 0.8, m.start(), m.end())


def _departments(found: _Found, departments: Sequence[str]) -> None:
    text = found.view.text
    for name in departments:
        for m in re.finditer(re.escape(_view(name).text), text):
            head = m.start() < max(80, len(text) // 10)
            found.add(
                "department",
                name,
                0.9 if head or text[m.end() : m.end() + 1] == ":" else 0.8,
                m.start(),
                m.end(),
            )
    if departments:  # a signature line a seal garbled: 秦皇岛市卫生、康委员会
        line_start = 0
        for line in text.split("\n"):
            name = line.strip()
            if 4 <= len(name) <= 40 and name[-1] in "局会厅室府心" and name not in departments:
                score, known = max((SequenceMatcher(None, name, d).ratio(), d) for d in departments)
                if score >= 0.85:
                    at = line_start + line.index(name)
                    found.add("department", known, 0.55 + 0.3 * score, at, at + len(name), f"原文为“{name}”")
            line_start += len(line) + 1
    top = re.match(rf"\s*({_DEPT.pattern})(?=准予|不予|行政|关于|决定|\s|$)", text)
    if top:
        found.add("department", top.group(1), 0.8, top.start(1), top.end(1))
    for m in re.finditer(rf"(?:^|书)[ \t]*({_DEPT.pattern}):", text, re.M):
        name = m.group(1).split("书")[-1]  # "…申请书秦皇岛市…局:" addresses the department after the title
        if len(name) >= 4:
            found.add("department", name, 0.85, m.end(1) - len(name), m.end(1))


def _industry(found: _Found) -> None:
    text = found.view.text
    for start, _label in _labelled(found.view, "所属行业|行业类别|行业"):
        m = re.compile(r"([^\n]{0,40}?)\(\s*([A-T]?\d{2,4})\s*\)").match(text, start)
        end, name = (m.end(), m.group(1)) if m else _cell(text, start)
        code = industry_by_code(m.group(2)) if m else None
        if code is None and name:
            named = industries_by_name(name)
            code = named[-1] if named else None
        if code is not None:
            found.add(
                "industry",
                f"{code.section}{code.code}" if code.code[:1].isdigit() else code.code,
                0.9,
                start,
                end,
            )


def _category(proposals: Sequence[Proposal]) -> Proposal | None:
    """The scheme's category (XK-H …) when both its parts were found: business type from the matter's
    name, section from the industry. Neither alone says it, so nothing is guessed from one."""
    top = best(proposals)
    if "matter" not in top or "industry" not in top:
        return None
    m, i = top["matter"], top["industry"]
    code = classify(str(m.value), str(i.value)).code
    return Proposal("category", code, round(min(m.confidence, i.confidence) * 0.95, 3), m.start, m.end)


# --- assembly -----------------------------------------------------------------------------------------


def _boxes(proposals: list[Proposal], lines: Sequence[LineLike]) -> list[Proposal]:
    starts, pos = [], 0
    for line in lines:
        starts.append((pos, pos + len(line.text), line))
        pos += len(line.text) + 1
    out = []
    for p in proposals:
        hit = [line for s, e, line in starts if s < p.end and p.start < e]
        if not hit:
            out.append(p)
            continue
        boxes = [tuple(float(v) for v in line.box) for line in hit if len(line.box) == 4]
        box = None
        if boxes:
            box = (round(min(b[0] for b in boxes)), round(min(b[1] for b in boxes)),
                   round(max(b[2] for b in boxes)), round(max(b[3] for b in boxes)))  # fmt: skip
        ocr = min(max(0.0, min(line.confidence for line in hit)), 1.0)
        out.append(replace(p, box=box, confidence=round(p.confidence * (0.6 + 0.4 * ocr), 3)))
    return out


def _merge(proposals: Sequence[Proposal]) -> list[Proposal]:
    """One proposal per (field, value): the most confident occurrence, a little surer for each repeat."""
    groups: dict[tuple[str, str], list[Proposal]] = {}
    for p in proposals:
        groups.setdefault((p.field, str(p.value)), []).append(p)
    merged = []
    for group in groups.values():
        top = max(group, key=lambda p: (p.confidence, -p.start))
        boost = 0.03 * (len({p.start for p in group}) - 1)
        merged.append(replace(top, confidence=round(min(0.99, top.confidence + boost), 3)))
    return sorted(merged, key=lambda p: (_ORDER.get(p.field, 99), -p.confidence, p.start))


def best(proposals: Sequence[Proposal]) -> dict[str, Proposal]:
    """The most confident proposal of each field."""
    top: dict[str, Proposal] = {}
    for p in proposals:
        if p.field not in top or p.confidence > top[p.field].confidence:
            top[p.field] = p
    return top


def propose(
    text: str,
    lines: Sequence[LineLike] | None = None,
    *,
    matters: Sequence[MatterRef] = (),
    departments: Sequence[str] = (),
) -> list[Proposal]:
    """Every field found in `text`, most confident first within a field.

    With `lines` (OCR output), `text` must be their texts joined by "\\n"; each proposal then carries the
    union box of its lines and a confidence lowered by the OCR's own. `matters` and `departments` are the
    archive's known names: a matter is only recognised by name when it is known, else from its label.
    """
    view = _view(text)
    found = _Found(view)
    decision = bool(re.search(r"决定书|决定如下", view.text))
    for step in (
        _doc_numbers,
        _uscc,
        _id_number,
        _names,
        _people,
        _addresses,
        _phones,
        _licence,
        _amounts,
        _industry,
    ):
        step(found)
    _dates(found, decision)
    _matters(found, matters)
    _departments(found, departments)
    merged = _merge(found)
    category = _category(merged)
    if category:
        merged = _merge([*merged, category])
    if lines is not None and "\n".join(line.text for line in lines) == text:
        merged = _boxes(merged, lines)
    return merged
