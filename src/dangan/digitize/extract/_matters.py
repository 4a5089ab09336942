"""What the case is about: the matter, its result, the department, the industry and the category.

A matter is only recognised by name when the archive knows it (from its catalogue), else from its label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from dangan.domain import classify, industries_by_name, industry_by_code

from ._model import MatterRef, Proposal, best
from ._parties import DEPT
from ._text import Found, cell, labelled, view_of

_RESULTS = {"准予行政许可": "准予许可", "不予行政许可": "不予许可", "准予变更行政许可": "准予变更",
            "准予延续行政许可": "准予延续"}  # fmt: skip


def matters(found: Found, catalogue: Sequence[MatterRef]) -> None:
    text = found.view.text
    labelled_at = {s for s, _ in labelled(found.view, "审批事项|申请事项|许可事项|事项名称|办理事项")}
    terms = sorted(((t, m) for m in catalogue for t in (m.name, *m.aliases) if t), key=lambda p: -len(p[0]))
    taken: list[tuple[int, int]] = []
    for term, ref in terms:
        for m in re.finditer(re.escape(view_of(term).text), text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            conf = 0.95 if m.start() in labelled_at else 0.75
            if re.match(r"申请(?:书)?", text[m.end() :]) or re.search(r"提出的?$", text[: m.start()]):
                conf = max(conf, 0.9)
            found.add("matter", ref.name, conf - (0.05 if term != ref.name else 0.0), m.start(), m.end())
            if ref.department:
                found.add("department", ref.department, 0.6, m.start(), m.end())
    for start in labelled_at:
        end, value = cell(text, start)
        if len(value) >= 3 and not any(s <= start < e for s, e in taken):
            found.add("matter", value, 0.7, start, end, "不在本馆已知审批事项中，请核对")
    for start, _label in labelled(found.view, "审批结果|办理结果|决定结果"):
        end, value = cell(text, start)
        if value:
            found.add("result", _RESULTS.get(value, value), 0.9, start, end)
    for m in re.finditer(
        r"(准予|不予)(?:变更|延续)?(?:行政)?许可决定书|决定(准予(?:行政)?许可|准予变更|准予延续|不予(?:行政)?许可)",
        text,
    ):
        value = m.group(0).removeprefix("决定").removesuffix("决定书")
        found.add("result", _RESULTS.get(value, value), 0.8, m.start(), m.end())


def departments(found: Found, catalogue: Sequence[str]) -> None:
    text = found.view.text
    for name in catalogue:
        for m in re.finditer(re.escape(view_of(name).text), text):
            head = m.start() < max(80, len(text) // 10)
            found.add(
                "department",
                name,
                0.9 if head or text[m.end() : m.end() + 1] == ":" else 0.8,
                m.start(),
                m.end(),
            )
    if catalogue:  # a signature line a seal garbled: 秦皇岛市卫生、康委员会
        line_start = 0
        for line in text.split("\n"):
            name = line.strip()
            if 4 <= len(name) <= 40 and name[-1] in "局会厅室府心" and name not in catalogue:
                score, known = max((SequenceMatcher(None, name, d).ratio(), d) for d in catalogue)
                if score >= 0.85:
                    at = line_start + line.index(name)
                    found.add("department", known, 0.55 + 0.3 * score, at, at + len(name), f"原文为“{name}”")
            line_start += len(line) + 1
    top = re.match(rf"\s*({DEPT.pattern})(?=准予|不予|行政|关于|决定|\s|$)", text)
    if top:
        found.add("department", top.group(1), 0.8, top.start(1), top.end(1))
    for m in re.finditer(rf"(?:^|书)[ \t]*({DEPT.pattern}):", text, re.M):
        name = m.group(1).split("书")[-1]  # "…申请书秦皇岛市…局:" addresses the department after the title
        if len(name) >= 4:
            found.add("department", name, 0.85, m.end(1) - len(name), m.end(1))


def industry(found: Found) -> None:
    text = found.view.text
    for start, _label in labelled(found.view, "所属行业|行业类别|行业"):
        m = re.compile(r"([^\n]{0,40}?)\(\s*([A-T]?\d{2,4})\s*\)").match(text, start)
        end, name = (m.end(), m.group(1)) if m else cell(text, start)
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


def category(proposals: Sequence[Proposal]) -> Proposal | None:
    """The scheme's category (XK-H …) when both its parts were found: business type from the matter's
    name, section from the industry. Neither alone says it, so nothing is guessed from one."""
    top = best(proposals)
    if "matter" not in top or "industry" not in top:
        return None
    m, i = top["matter"], top["industry"]
    code = classify(str(m.value), str(i.value)).code
    return Proposal("category", code, round(min(m.confidence, i.confidence) * 0.95, 3), m.start, m.end)
