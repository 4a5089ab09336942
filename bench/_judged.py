"""A judged query set built from the demo generator's truth: the queries staff type, and for each the
exact set of cases it means, computed from the generated case.json documents (never from the engine).

Each query has a kind (what it tests), the parse it must produce (`expected`: the `parsed` fields that
must hold; every other filter field must stay empty) and its gold set of source ids.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dangan.domain import district_by_code

FILTERS = ("time_from", "time_to", "district", "department", "matter", "industry", "result", "security_level",
           "enterprise", "person")  # fmt: skip

# What staff call a department (short and former names) and a matter (abbreviations), as they type them.
DEPARTMENT_WORDS = {
    "市场监督管理局": ("市场监管局", "工商局", "市场监督管理局"), "生态环境局": ("环保局", "生态环境局"),
    "住房和城乡建设局": ("住建局", "建设局"), "卫生健康委员会": ("卫健委", "卫生局"),
    "交通运输局": ("交通局", "交通运输局"), "文化广电和旅游局": ("文旅局", "旅游局"),
    "行政审批局": ("审批局", "行政审批局"), "税务局": ("税务局", "国税局"),
}  # fmt: skip
MATTER_WORDS = {
    "建设项目环境影响报告表审批": ("环评",), "商品房预售许可": ("预售证", "预售许可"),
    "建筑工程施工许可": ("施工证", "施工许可证"), "排污许可证核发": ("排污证", "排污许可"),
    "互联网上网服务营业场所经营许可": ("网吧",), "巡游出租汽车经营许可": ("出租车",),
    "危险废物经营许可": ("危废",), "营业性演出许可": ("演出许可",), "道路货物运输经营许可": ("货运",),
    "药品经营许可": ("药店",),
}  # fmt: skip
INDUSTRY_WORDS = {"H62": "餐饮企业", "H61": "酒店", "K70": "房地产企业", "E47": "建筑施工企业",
                  "G543": "货运企业", "Q84": "医疗机构", "R90": "娱乐企业", "F52": "零售企业"}  # fmt: skip
_CN_DIGITS = "〇一二三四五六七八九"


@dataclass(frozen=True)
class Judged:
    kind: str
    text: str
    expected: dict[str, Any]
    gold: frozenset[str]  # source ids
    filters_only: bool = True


@dataclass
class _Facts:
    cases: list[dict[str, Any]]
    today: date
    rng: random.Random
    out: list[Judged] = field(default_factory=list)

    def gold(self, keep: Callable[[dict[str, Any]], bool]) -> frozenset[str]:
        return frozenset(c["source_id"] for c in self.cases if keep(c))

    def add(self, kind: str, text: str, expected: dict[str, Any], keep: Callable[[dict[str, Any]], bool],
            filters_only: bool = True) -> None:  # fmt: skip
        gold = self.gold(keep)
        if gold:
            self.out.append(Judged(kind, text, expected, gold, filters_only))


def _year(c: dict[str, Any]) -> int:
    return int(c["decided_at"][:4])


def _between(c: dict[str, Any], first: str, last: str) -> bool:
    return first <= c["decided_at"] <= last


def _short(department: str) -> str:
    return next((k for k in DEPARTMENT_WORDS if department.endswith(k)), department)


def _district_short(code: str) -> str:
    name = district_by_code(code).name  # type: ignore[union-attr]
    for suffix in ("满族自治县", "自治县", "区", "县"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in text)


def _chinese_year(year: int) -> str:
    return "".join(_CN_DIGITS[int(d)] for d in str(year))


def _pick(rng: random.Random, items: Iterable[Any]) -> Any:
    pool = sorted(items, key=str)
    return pool[rng.randrange(len(pool))]


def build(cases: list[dict[str, Any]], today: date, seed: int = 7, per_kind: int = 6) -> list[Judged]:
    """The judged queries over `cases` (case.json documents), `per_kind` of each kind where the data allow."""
    f = _Facts(cases, today, random.Random(seed))
    rng = f.rng
    years = sorted({_year(c) for c in cases})
    matters = sorted({c["matter"]["name"] for c in cases})
    for _ in range(per_kind):
        y, m = _pick(rng, years), _pick(rng, matters)
        f.add("year+matter", f"{y}年的{m}", {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31", "matter": m},
              lambda c, y=y, m=m: _year(c) == y and c["matter"]["name"] == m)  # fmt: skip
        c0 = _pick(rng, [c for c in cases if c.get("district")])
        y, m, code = _year(c0), c0["matter"]["name"], c0["district"]
        place = _district_short(code) if rng.random() < 0.5 else district_by_code(code).name  # type: ignore[union-attr]
        f.add("year+district+matter", f"{y}年{place}的{m}",
              {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31", "district": code, "matter": m},
              lambda c, y=y, m=m, code=code: _year(c) == y and c["matter"]["name"] == m and c.get("district") == code)  # fmt: skip
        c0 = _pick(rng, cases)
        dept, y = c0["department"], _year(c0)
        word = _pick(rng, DEPARTMENT_WORDS[_short(dept)])
        f.add("department words", f"{word}{y}年的档案", {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31",
              "department": dept}, lambda c, d=dept, y=y: c["department"] == d and _year(c) == y)  # fmt: skip
        m = _pick(rng, [m for m in matters if m in MATTER_WORDS] or matters)
        word = _pick(rng, MATTER_WORDS.get(m, (m,)))
        f.add("matter words", word, {"matter": m}, lambda c, m=m: c["matter"]["name"] == m)
        c0 = _pick(rng, cases)
        m, y, mo = c0["matter"]["name"], _year(c0), int(c0["decided_at"][5:7])
        q = (mo - 1) // 3 + 1
        half = "上" if mo <= 6 else "下"
        variants = [
            (f"{y}年{mo}月的{m}", f"{y}-{mo:02d}-01", c0["decided_at"][:8] + f"{_days(y, mo):02d}"),
            (f"{y}年第{'一二三四'[q - 1]}季度的{m}", f"{y}-{3 * q - 2:02d}-01", f"{y}-{3 * q:02d}-{_days(y, 3 * q):02d}"),
            (f"{y}年{half}半年的{m}", f"{y}-{'01' if half == '上' else '07'}-01",
             f"{y}-{'06-30' if half == '上' else '12-31'}"),
        ]  # fmt: skip
        text, first, last = _pick(rng, variants)
        f.add("month/quarter/half", text, {"time_from": first, "time_to": last, "matter": m},
              lambda c, m=m, a=first, b=last: c["matter"]["name"] == m and _between(c, a, b))  # fmt: skip
        y1, y2 = sorted(rng.sample(years, 2))
        m = _pick(rng, matters)
        form = _pick(rng, [f"{y1}年到{y2}年的{m}", f"{y1}—{y2}年的{m}", f"{y1}年至{y2}年{m}"])
        f.add("year range", form, {"time_from": f"{y1}-01-01", "time_to": f"{y2}-12-31", "matter": m},
              lambda c, m=m, a=y1, b=y2: c["matter"]["name"] == m and a <= _year(c) <= b)  # fmt: skip
        m = _pick(rng, matters)
        rel, y = _pick(rng, [("去年", today.year - 1), ("前年", today.year - 2), ("今年", today.year)])
        f.add("relative year", f"{rel}的{m}", {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31", "matter": m},
              lambda c, m=m, y=y: c["matter"]["name"] == m and _year(c) == y)  # fmt: skip
        y = _pick(rng, years)
        m = _pick(rng, matters)
        f.add("since/before", f"{y}年以来的{m}", {"time_from": f"{y}-01-01", "time_to": today.isoformat(), "matter": m},
              lambda c, m=m, y=y: c["matter"]["name"] == m and _year(c) >= y)  # fmt: skip
        c0 = _pick(
            rng,
            [
                c
                for c in cases
                if c.get("industry") and any(c["industry"].startswith(k) for k in INDUSTRY_WORDS)
            ],
        )
        code = next(k for k in sorted(INDUSTRY_WORDS, key=len, reverse=True) if c0["industry"].startswith(k))
        m = c0["matter"]["name"]
        f.add("industry", f"{INDUSTRY_WORDS[code]}的{m}", {"industry": code, "matter": m},
              lambda c, m=m, code=code: c["matter"]["name"] == m and (c.get("industry") or "").startswith(code))  # fmt: skip
        c0 = _pick(rng, [c for c in cases if c["result"] == "不予许可"] or cases)
        y, m = _year(c0), c0["matter"]["name"]
        f.add("result", f"{y}年不予许可的{m}", {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31", "matter": m,
              "result": "不予许可"}, lambda c, m=m, y=y: c["matter"]["name"] == m and _year(c) == y
              and c["result"] == "不予许可")  # fmt: skip
        m = _pick(rng, matters)
        f.add("security level", f"公开的{m}", {"matter": m, "security_level": "公开"},
              lambda c, m=m: c["matter"]["name"] == m and c["security_level"] == "公开")  # fmt: skip
        c0 = _pick(rng, [c for c in cases if c["applicant"].get("type") == "企业"])
        name = c0["applicant"]["name"]
        f.add("enterprise", name, {"enterprise": name}, lambda c, n=name: c["applicant"]["name"] == n)
        uscc = c0["applicant"].get("uscc")
        if uscc:
            f.add("uscc", uscc, {}, lambda c, u=uscc: c["applicant"].get("uscc") == u)
        person = c0["applicant"].get("legal_representative")
        if person:
            f.add("person", f"法定代表人{person}", {"person": person},
                  lambda c, p=person: c["applicant"].get("legal_representative") == p
                  or (c["applicant"].get("type") == "个人" and c["applicant"]["name"] == p))  # fmt: skip
        c0 = _pick(rng, [c for c in cases if c.get("doc_number")])
        doc = c0["doc_number"].replace("〔", "[").replace("〕", "]") if rng.random() < 0.5 else c0["doc_number"].replace("〔", "【").replace("〕", "】")  # fmt: skip
        f.add("doc number", doc, {}, lambda c, d=c0["doc_number"]: c.get("doc_number") == d)
        y, m = _pick(rng, years), _pick(rng, matters)
        trad = _traditional(f"{y}年的{m}")
        f.add("traditional", trad, {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31", "matter": m},
              lambda c, y=y, m=m: _year(c) == y and c["matter"]["name"] == m)  # fmt: skip
        y, m = _pick(rng, years), _pick(rng, matters)
        typed = _pick(rng, [f"{_fullwidth(str(y))}年的{m}", f"{_chinese_year(y)}年的{m}"])
        f.add("full-width / numerals", typed, {"time_from": f"{y}-01-01", "time_to": f"{y}-12-31", "matter": m},
              lambda c, y=y, m=m: _year(c) == y and c["matter"]["name"] == m)  # fmt: skip
    return _dedup(f.out)


def _days(year: int, month: int) -> int:
    import calendar

    return calendar.monthrange(year, month)[1]


def _traditional(text: str) -> str:
    import opencc

    return str(opencc.OpenCC("s2t").convert(unicodedata.normalize("NFC", text)))


def _dedup(items: list[Judged]) -> list[Judged]:
    seen: set[str] = set()
    out = []
    for j in items:
        if j.text not in seen:
            seen.add(j.text)
            out.append(j)
    return out


def parse_correct(j: Judged, parsed: dict[str, Any]) -> bool:
    """Every expected field as expected, and no other filter invented."""
    for key in FILTERS:
        want = j.expected.get(key)
        if key in j.expected:
            if parsed.get(key) != want:
                return False
        elif parsed.get(key) is not None and key not in ("enterprise",):
            return False
    return True
