"""A query in plain Chinese → filters plus the words left to search for.

"2023年海港区的食品经营许可" is the set {decided in 2023, district 130302, matter 食品经营许可}, not
"every record that mentions 2023, 海港 or 许可". Each understood part becomes a chip the user can remove;
what is left after the filters and filler words are taken out is searched as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dangan.domain import is_valid_id_number, is_valid_uscc, region_prefix

from ._normal import normalise_query
from ._time import find_time
from ._vocab import Key

FILTER_KINDS = ("time", "district", "department", "matter", "industry", "result", "security_level",
                "enterprise", "person")  # fmt: skip
KIND_LABELS = {"time": "时间", "district": "地区", "department": "部门", "matter": "事项", "industry": "行业",
               "result": "结果", "security_level": "密级", "enterprise": "企业", "person": "人员",
               "identifier": "编号"}  # fmt: skip
# Words that carry no search meaning once the filters are taken out ("查一下去年的…档案").
FILLERS = ("帮我", "帮", "请", "想", "想要", "需要", "能", "可以", "查一下", "查询", "查找", "查看", "检索", "搜索", "找一下", "找", "查", "看看", "一下",
           "所有", "全部", "哪些", "有哪些", "有关", "相关", "关于", "有关的", "方面", "的", "了", "和", "与", "及",
           "或", "在", "中", "里", "内", "期间", "年度", "档案", "案卷", "案件", "案子", "文件", "记录", "办件", "情况", "资料",
           "申请", "办理", "办的", "审批的", "给", "我", "要", "显示", "列出", "企业", "公司", "行业", "单位",
           "类", "方面的", "哪家", "什么", "是", "为", "以及")  # fmt: skip
FILLER_WORDS = frozenset(FILLERS)
_FILLER_RE = re.compile("|".join(sorted(map(re.escape, FILLERS), key=len, reverse=True)))
_INTENT_CHARS = frozenset(
    "我想要查找帮请看一下能否给列出显示"
)  # 我想查, 帮我找: asking, not a word to search
_USCC = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NP-RT-UW-Y]{2}\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}(?![0-9A-Z])")
_PERSON = re.compile(
    r"(?:法定代表人|法人代表|法人|负责人|经营者)(?:是|为|:|：)?\s*([\u4e00-\u9fff·]{2,5}?)(?=的|之|和|与|及|担任|$|[\s，,。;；、])"
)
_ORG_SUFFIX = re.compile(r"有限责任公司|股份有限公司|有限公司|分公司|公司|合作社|事务所|工作室|门诊部|诊所|医院|"
                         r"药房|药店|超市|酒店|宾馆|饭店|餐厅|餐馆|中心|厂|店|馆|部|站|院|所|社")  # fmt: skip
_NAME_RUN = re.compile(r"[\u3400-\u9fff()（）A-Za-z0-9·]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class Chip:
    kind: str  # one of FILTER_KINDS
    value: str  # what filters: an ISO range 'a/b', a code, a name
    label: str  # what the user reads on the chip
    text: str  # the words of the query it came from

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "kind_label": KIND_LABELS[self.kind], "value": self.value,
                "label": self.label, "text": self.text}  # fmt: skip


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the normalised query
    keywords: tuple[str, ...] = ()
    time_from: date | None = None
    time_to: date | None = None
    district: str | None = None
    department: str | None = None
    matter: str | None = None
    matters: tuple[str, ...] = ()  # every matter an abbreviation names (环评: two kinds of 环评)
    departments: tuple[str, ...] = ()
    industry: str | None = None
    result: str | None = None
    security_level: str | None = None
    enterprise: str | None = None
    person: str | None = None
    chips: tuple[Chip, ...] = field(default_factory=tuple)

    @property
    def has_filters(self) -> bool:
        return bool(self.chips)

    def as_json(self) -> dict[str, Any]:
        """The `parsed` document of the search contract (DESIGN §4)."""
        return {
            "keywords": list(self.keywords),
            "time_from": self.time_from.isoformat() if self.time_from else None,
            "time_to": self.time_to.isoformat() if self.time_to else None,
            "district": self.district, "department": self.department, "matter": self.matter,
            "industry": self.industry, "result": self.result, "security_level": self.security_level,
            "enterprise": self.enterprise, "person": self.person,
            "chips": [c.as_json() for c in self.chips],
        }  # fmt: skip

    def without(self, kind: str) -> ParsedQuery:
        """The same query with one chip removed (what clicking its × runs)."""
        blank: dict[str, Any] = {"time": {"time_from": None, "time_to": None}}.get(kind, {kind: None})
        if kind == "matter":
            blank["matters"] = ()
        if kind == "department":
            blank["departments"] = ()
        return replace(self, chips=tuple(c for c in self.chips if c.kind != kind), **blank)


class _Text:
    """The normalised query with understood spans blanked out, so each word is used once."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def take(self, start: int, end: int) -> None:
        for i in range(start, end):
            self.chars[i] = " "

    def free(self, start: int, end: int) -> bool:
        return all(c != " " or i < 0 for i, c in enumerate(self.chars[start:end]))


def _find_keys(work: _Text, keys: Sequence[Key]) -> list[tuple[int, Key]]:
    """Non-overlapping occurrences of known keys, in the order claimed: longest key first."""
    found = []
    text = work.text
    for key in keys:
        start = text.find(key.text)
        while start != -1:
            end = start + len(key.text)
            if "\x00" not in text[start:end]:
                found.append((start, key))
                text = text[:start] + "\x00" * len(key.text) + text[end:]
                work.take(start, end)
            start = text.find(key.text, end)
    return found  # longest first: 道路货物运输经营许可 claims the matter before 货运 is read as one


def parse_query(
    query: str,
    keys: Sequence[Key],
    today: date,
    *,
    enterprise_named: Callable[[list[str]], str | None] | None = None,
    person_named: Callable[[str], bool] | None = None,
) -> ParsedQuery:
    """Filters and keywords of a query. `keys` come from `build_keys(vocabulary)`; `enterprise_named`
    picks the applicant among candidate names (the longest one the catalogue holds), `person_named` says
    whether a word is a person in the catalogue."""
    text = normalise_query(query or "").strip()
    work = _Text(text)
    chips: list[Chip] = []
    values: dict[str, Any] = {}
    span = find_time(text, today)
    if span is not None:
        work.take(span.start, span.end)
        values.update(time_from=span.first, time_to=span.last)
        chips.append(
            Chip("time", f"{span.first.isoformat()}/{span.last.isoformat()}", span.label, span.label)
        )
    uscc = _USCC.search(text.upper())
    if uscc and is_valid_uscc(uscc.group(0)) and not is_valid_id_number(uscc.group(0)):
        work.take(uscc.start(), uscc.end())
        values["enterprise"] = uscc.group(0)
        chips.append(Chip("enterprise", uscc.group(0), uscc.group(0), uscc.group(0)))
    if enterprise_named is not None:
        name = enterprise_named(_enterprise_candidates(work.text))
        if name:
            at = work.text.find(name)
            if at >= 0:
                work.take(at, at + len(name))
            values["enterprise"] = name
            chips.append(Chip("enterprise", name, name, name))
    person = _PERSON.search(work.text)
    if person:
        work.take(person.start(), person.end())
        values["person"] = person.group(1)
        chips.append(Chip("person", person.group(1), f"法定代表人 {person.group(1)}", person.group(0)))
    weak: list[Chip] = []
    spans: dict[str, tuple[int, int]] = {}
    for start, found in _find_keys(work, keys):
        if found.kind == "district" and "district" in values and _within(found.values[0], values["district"]):
            values["district"] = found.values[0]  # 河北省秦皇岛市海港区: the most specific place of a chain
            chips = [c for c in chips if c.kind != "district"]
            chips.append(Chip("district", found.values[0], found.label, found.text))
            spans["district"] = (start, start + len(found.text))
            continue
        key = next((k for k in (found, *found.others) if k.kind not in values), None)
        if key is None:
            continue
        spans[key.kind] = (start, start + len(key.text))
        if key.weak:
            weak.append(Chip(key.kind, key.values[0], key.label, key.text))
        if key.kind == "matter":
            values["matters"] = key.values
            values["matter"] = key.values[0]
        elif key.kind == "department":
            values["departments"] = key.values
            values["department"] = key.values[0]
        else:
            values[key.kind] = key.values[0]
        chips.append(Chip(key.kind, key.values[0], key.label, key.text))
    keywords = _keywords(work.text)
    city_of_department = (
        "district" in spans and "department" in spans and str(values["district"]).endswith("00")
        and spans["district"][1] == spans["department"][0]
    )  # fmt: skip
    if city_of_department:  # 秦皇岛市卫健委: the city names the department, it is no place filter
        chips = [c for c in chips if c.kind != "district"]
        values.pop("district")
    if weak and len(chips) == len(weak):  # "海鸥 餐饮": words to search for, not an industry
        for chip in weak:
            chips.remove(chip)
            values.pop(chip.kind, None)
            keywords.append(chip.text)
    if person_named and "person" not in values:
        for word in list(keywords):
            if 2 <= len(word) <= 4 and _CJK_RUN.fullmatch(word) and person_named(word):
                values["person"] = word
                chips.append(Chip("person", word, word, word))
                keywords.remove(word)
                break
    order = {k: i for i, k in enumerate(FILTER_KINDS)}
    return ParsedQuery(
        text, tuple(keywords), chips=tuple(sorted(chips, key=lambda c: order[c.kind])), **values
    )


def _within(code: str, region: str) -> bool:
    """Whether `code` is a place inside `region` (a prefecture 130300 or province 130000)."""
    return code != region and code.startswith(region_prefix(region))


def _enterprise_candidates(text: str) -> list[str]:
    """Every stretch of a run that ends with an organisation's suffix (…有限公司, …店): one of them may be
    an applicant's whole name."""
    out: list[str] = []
    for run in _NAME_RUN.finditer(text):
        word = run.group(0)
        for end in {m.end() for m in _ORG_SUFFIX.finditer(word)}:
            out += [word[i:end] for i in range(0, max(0, end - 3))]
    return out[:400]


def _keywords(rest: str) -> list[str]:
    """What is left to search as text: each run of the query cut into words (rjieba), filler words dropped
    only when they are whole words (申请书 stays, 申请 goes), and the kept neighbours joined again, so a
    name like 许淑珍 is one word, never 许 + 淑珍."""
    words = []
    for part in re.split(r"[\s,，。;；、!！?？:：\"'“”‘’()（）\[\]【】《》<>]+", rest):
        part = part.strip("-+*~^")
        if not part:
            continue
        if not _CJK_RUN.search(part):
            if len(part) > 1:
                words.append(part)
            continue
        if not _FILLER_RE.search(part):  # nothing to drop: kept whole, and rjieba (0.1 s to load) not needed
            words.append(part)
            continue
        import rjieba  # ≈ 0.1 s to load, on the first query whose words hold a filler

        kept = ""
        for word in rjieba.cut(part):
            if word in FILLER_WORDS:
                if kept:
                    words.append(kept)
                kept = ""
            else:
                kept += word
        if kept:
            words.append(kept)
    return [w for w in words if not set(w) <= _INTENT_CHARS]
