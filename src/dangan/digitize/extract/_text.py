"""The text as the extractors match it, and the cells of a form: where a labelled value starts and ends.

Text out of a PDF or a table row runs label, value, label, value with no separator, so a value ends at the
next known label; OCR prints full-width forms, traditional characters and letter-spaced labels, so the
text is folded first and every match is mapped back to the caller's offsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from ._model import Proposal, Value

CJK = "\u3400-\u9fff"
_LETTER_SPACED = re.compile(rf"[{CJK}](?: [{CJK}]){{2,}}")
_SPACED_PAIR = re.compile(rf"(?<![{CJK}])([{CJK}]) +([{CJK}])")
_SEP = re.compile(r"[ \t:]*(?:\n[ \t]*)?")
_CELL = re.compile(r"[^\s,.;!?、:《》\"“”]{1,80}")
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
LABEL_CUT = re.compile(
    "|".join(w if len(w) > 2 else f"{w}(?=[ \t:])" for w in sorted(_OTHER_LABELS, key=len, reverse=True))
)
TWO_CHAR_LABELS = frozenset(w for w in _OTHER_LABELS if len(w) == 2)


@dataclass(frozen=True)
class View:
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


def view_of(text: str) -> View:
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
        if m.group(1) + m.group(2) in TWO_CHAR_LABELS:
            drop.update(range(m.end(1), m.start(2)))
    keep = tuple(i for i in range(len(folded_text)) if i not in drop or folded_text[i] != " ")
    return View("".join(folded_text[i] for i in keep), keep)


class Found(list[Proposal]):
    """Proposals as they are found, positioned in the caller's text."""

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view

    def add(
        self, field: str, value: Value, conf: float, start: int, end: int, note: str | None = None
    ) -> None:
        if end <= start:
            return
        s, e = self.view.span(start, end)
        self.append(Proposal(field, value, round(min(max(conf, 0.01), 0.99), 3), s, e, None, note))


def labelled(view: View, labels: str) -> Iterator[tuple[int, str]]:
    """(value start, label) for each label, `labels` a regex alternation, longest label first."""
    for m in re.finditer(labels, view.text):
        yield _SEP.match(view.text, m.end()).end(), m.group(0)  # type: ignore[union-attr]


def cell(text: str, start: int) -> tuple[int, str]:
    """The value that starts at `start`: up to white space, punctuation or the next known label."""
    m = _CELL.match(text, start)
    if not m:
        return start, ""
    value = m.group(0)
    cut = LABEL_CUT.search(value, 1)
    if cut:
        value = value[: cut.start()]
    return start + len(value), value
