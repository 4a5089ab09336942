"""Deterministic demo cases: case i depends only on the seed, i and the cases before it.

Each case draws from its own `random.Random` keyed by (seed, i). What links cases — a fixed pool of
enterprises that apply to several departments, names already taken, 文号 already issued — is kept
in a per-run state that only ever grows in case order, so the first 10 cases of a run of 1,000 are
the 10 cases of a run of 10.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from dangan.core import ValidationFailed
from dangan.demo import people
from dangan.demo._calendar import add_working_days, next_working_day, random_accept_date, working_day_index
from dangan.demo._industries import DISTRICT_AFFINITY, INDUSTRIES
from dangan.demo.catalogue import CITY_CODE, DEPARTMENT_BY_NAME, DISTRICT_BY_CODE, DISTRICTS, MATTERS
from dangan.demo.documents import (
    SCANNABLE,
    render_application,
    render_decision,
    render_material,
    render_scanned_material,
)
from dangan.demo.model import Applicant, CaseFacts, Matter, Person

POOL_SIZE = 360  # enterprises that recur across cases and departments
PARTNERS = 40  # people who represent several enterprises
SLOTS_PER_DAY = 4  # 文号 numbers a department may issue per working day in the demo's numbering
FACTORY_SEQ_BASE = 900_000  # make_case() source_ids stay clear of generated sets
_POOL_CUTOFF = date(2018, 12, 31)
_CHANGES = ("法定代表人", "经营场所", "单位名称", "经营项目", "主要负责人")


@dataclass
class DemoCase:
    """One case package: the case.json document and its files (path -> bytes)."""

    case: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class _Pool:
    firms: tuple[Applicant, ...]
    partners: tuple[Person, ...]


@dataclass
class _State:
    """What later cases must not repeat: names, codes and 文号."""

    names: set[str]
    usccs: set[str]
    numbers: set[tuple[str, int, int]] = field(default_factory=set)

    @classmethod
    def start(cls, seed: int) -> _State:
        firms = _pool(seed).firms
        return cls({f.name for f in firms}, {f.uscc or "" for f in firms})


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([k for k, _ in pairs], [w for _, w in pairs])[0]


@lru_cache(maxsize=1)
def _industry_weights() -> tuple[tuple[str, float], ...]:
    weights: dict[str, float] = {}
    for m in MATTERS:
        for code in m.industries:
            weights[code] = weights.get(code, 0.0) + m.weight / len(m.industries)
    return tuple(sorted(weights.items()))


def _district(rng: random.Random, industry: str) -> str:
    affinity = DISTRICT_AFFINITY.get(industry, {})
    return rng.choices(
        [d.code for d in DISTRICTS], [d.weight * affinity.get(d.code, 1.0) for d in DISTRICTS]
    )[0]


def _shop_allowed(industry: str) -> bool:
    return bool(INDUSTRIES[industry].shops) and any(
        industry in m.industries and any(t == "个体工商户" for t, _ in m.applicant_types) for m in MATTERS
    )


@lru_cache(maxsize=4)
def _pool(seed: int) -> _Pool:
    rng = random.Random(f"dangan-demo:{seed}:pool")
    partners = tuple(people.person(rng, _district(rng, "")) for _ in range(PARTNERS))
    firms: list[Applicant] = []
    names: set[str] = set()
    industries = _industry_weights()
    while len(firms) < POOL_SIZE:
        industry = _weighted(rng, industries)
        district = _district(rng, industry)
        kind = "个体工商户" if _shop_allowed(industry) and rng.random() < 0.3 else "企业"
        owner = rng.choice(partners) if rng.random() < 0.12 else people.person(rng, district)
        firm = people.business(rng, industry, district, kind, owner, _POOL_CUTOFF)
        if firm.name not in names:
            names.add(firm.name)
            firms.append(firm)
    return _Pool(tuple(firms), partners)


@lru_cache(maxsize=256)
def _candidates(seed: int, matter_code: str, kind: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Pool firms that could apply for a matter, with their popularity weights."""
    matter = next(m for m in MATTERS if m.code == matter_code)
    idx = tuple(
        i
        for i, f in enumerate(_pool(seed).firms)
        if f.type == kind and (not matter.industries or f.industry in matter.industries)
    )
    return idx, tuple(1.0 / (i + 6) for i in idx)


def _applicant(rng: random.Random, seed: int, state: _State, matter: Matter, accepted: date) -> Applicant:
    kind = _weighted(rng, matter.applicant_types)
    industry = rng.choice(matter.industries) if matter.industries else _weighted(rng, _industry_weights())
    if kind == "个人":
        return people.individual(rng, _district(rng, industry), industry)
    idx, weights = _candidates(seed, matter.code, kind)
    if idx and rng.random() < (0.5 if matter.industries else 0.8):
        return _pool(seed).firms[rng.choices(idx, weights)[0]]
    district = _district(rng, industry)
    pool = _pool(seed)
    firm = None
    for _ in range(30):
        owner = rng.choice(pool.partners) if rng.random() < 0.08 else people.person(rng, district)
        firm = people.business(rng, industry, district, kind, owner, accepted)
        if firm.name not in state.names and firm.uscc not in state.usccs:
            break
    assert firm is not None
    state.names.add(firm.name)
    state.usccs.add(firm.uscc or "")
    return firm


def _doc_number(prefix: str, decided: date, state: _State) -> tuple[date, str]:
    """文号 numbered through the year in date order, unique per prefix and year within a run.

    Working day d of a year owns numbers d*SLOTS_PER_DAY+1 ...; when a day's numbers are used up the
    decision moves to the next working day.
    """
    while True:
        base = working_day_index(decided) * SLOTS_PER_DAY + 1
        for k in range(SLOTS_PER_DAY):
            key = (prefix, decided.year, base + k)
            if key not in state.numbers:
                state.numbers.add(key)
                return decided, f"{prefix}〔{decided.year}〕{base + k}号"
        decided = next_working_day(decided)


def _notes(rng: random.Random, matter: Matter, a: Applicant) -> dict[str, str]:
    """Matter-specific lines printed in the decision."""
    if matter.code == "SWJ-XK-001":
        return {"最高开票限额": rng.choice(("一万元", "十万元", "十万元", "一百万元"))}
    if matter.code == "STHJ-XK-001":
        works = rng.choice(("新建", "扩建", "技术改造", "迁建"))
        return {"项目名称": f"{a.name.replace('有限公司', '').replace('有限责任公司', '')}{works}项目"}
    if matter.code == "ZJJ-XK-002":
        return {"预售部位": f"{rng.randint(1, 24)}号楼", "预售面积": f"{rng.randint(3000, 30000)}平方米"}
    if matter.code in ("JTYS-XK-001", "JTYS-XK-002", "JTYS-XK-004"):
        return {"经营范围": INDUSTRIES[a.industry].scope, "车辆数": f"{rng.randint(1, 60)}辆"}
    if matter.code == "WJW-XK-003":
        return {"执业类别": rng.choice(("临床", "中医", "口腔", "公共卫生")), "执业地点": "秦皇岛市"}
    if matter.code == "XZSP-XK-001":
        return {"建设规模": f"{rng.randint(800, 60000)}平方米"}
    return {}


def _licence_no(rng: random.Random, matter: Matter, district: str, year: int) -> str:
    if not matter.licence:
        return ""
    prefix = {"食品经营许可证": "JY1", "食品生产许可证": "SC1", "医疗机构执业许可证": "PDY"}.get(
        matter.licence, ""
    )
    return f"{prefix}{district}{year}{rng.randrange(10**5):05d}"


def _file_plan(rng: random.Random, matter: Matter) -> list[tuple[str, str]]:
    """(role, format) of each file: 申请书 first, 决定书 last, 2-4 in all, about one case in ten scanned."""
    others = [r for r in matter.materials if r not in ("申请书", "决定书")]
    n = rng.choices((2, 3, 4), (0.15, 0.7, 0.15))[0]
    scannable = [r for r in others if r in SCANNABLE]
    chosen: dict[str, str] = {}
    if scannable and rng.random() < 0.11:
        chosen[rng.choice(scannable)] = rng.choice(("jpg", "jpg", "png"))
        n = max(n, 3)
    rest = [r for r in others if r not in chosen]
    for role in rng.sample(rest, min(n - 2 - len(chosen), len(rest))):
        chosen[role] = "pdf"
    middle = [(r, chosen[r]) for r in others if r in chosen]
    return [("申请书", "pdf"), *middle, ("决定书", "pdf")]


def _build(seed: int, key: str, seq: int, state: _State, overrides: dict[str, Any]) -> DemoCase:
    rng = random.Random(f"dangan-demo:{seed}:{key}")
    matter = MATTERS[rng.choices(range(len(MATTERS)), [m.weight for m in MATTERS])[0]]
    dept = DEPARTMENT_BY_NAME[matter.department]
    accepted = random_accept_date(rng)
    applicant = _applicant(rng, seed, state, matter, accepted)
    result = _weighted(rng, matter.results)
    security = _weighted(rng, matter.security)
    lo, hi = matter.days
    decided = add_working_days(accepted, round(rng.triangular(lo, hi, lo + (hi - lo) / 3)))
    decided, doc_number = _doc_number(matter.doc_prefix or dept.doc_prefix, decided, state)
    accept_no = f"{CITY_CODE}{accepted:%Y%m%d}{rng.randrange(10**5):05d}"
    facts = CaseFacts(
        matter=matter,
        department=dept,
        applicant=applicant,
        accept_no=accept_no,
        licence_no=_licence_no(rng, matter, applicant.district, decided.year),
        refusal=rng.choice(matter.refusals),
        change=rng.choice(_CHANGES),
        notes=_notes(rng, matter, applicant),
    )
    suffix = {"准予变更": "变更", "准予延续": "延续"}.get(result, "")
    extra: dict[str, Any] = {}
    roll = rng.random()
    if roll < 0.1:
        extra = {"办理窗口": dept.window, "办理方式": rng.choice(("窗口办理", "全程网办", "邮寄办理"))}
    elif roll < 0.18:
        extra = {"受理编号": accept_no, "承诺时限": f"{hi}个工作日"}
    if applicant.type == "个人" and matter.code == "WJW-XK-001":
        extra["机构名称"] = f"{DISTRICT_BY_CODE[applicant.district].name}{applicant.name}诊所"
    case: dict[str, Any] = {
        "source_system": dept.source_system,
        "source_id": f"{dept.id_prefix}-{accepted.year}-{seq:06d}",
        "department": dept.name,
        "matter": {"code": matter.code, "name": matter.name},
        "title": f"关于{applicant.name}{matter.name.removesuffix('审批')}{suffix}的审批",
        "doc_number": doc_number,
        "applicant": applicant.as_case_dict(),
        "district": applicant.district,
        "industry": applicant.industry,
        "accepted_at": accepted.isoformat(),
        "decided_at": decided.isoformat(),
        "result": result,
        "retention": matter.retention,
        "security_level": security,
        "open_to_public": security == "公开" and result != "不予许可" and rng.random() < 0.7,
        "files": [],
        "extra": extra,
    }
    plan = _file_plan(rng, matter)
    case.update(overrides)
    return _render(case, facts, plan, random.Random(f"dangan-demo:{seed}:{key}:files"), "files" in overrides)


def _render(
    case: dict[str, Any], facts: CaseFacts, plan: list[tuple[str, str]], rng: random.Random, keep_list: bool
) -> DemoCase:
    files: dict[str, bytes] = {}
    listing = []
    for role, fmt in plan:
        if role == "申请书":
            data = render_application(case, facts)
        elif role == "决定书":
            data = render_decision(case, facts)
        elif fmt == "pdf":
            data = render_material(role, case, facts, rng)
        else:
            data = render_scanned_material(role, case, facts, rng, "PNG" if fmt == "png" else "JPEG")
        path = f"{role}.{fmt}"
        files[path] = data
        listing.append({"path": path, "role": role, "sha256": hashlib.sha256(data).hexdigest()})
    if not keep_list:
        case["files"] = listing
    return DemoCase(case, files)


def generate_cases(count: int, seed: int = 2024) -> Iterator[DemoCase]:
    """`count` demo cases, lazily; the same seed gives the same cases, byte for byte."""
    if count < 0:
        raise ValidationFailed(f"生成数量不能为负数：{count}", code="invalid_count")
    state = _State.start(seed)
    for i in range(count):
        yield _build(seed, f"case:{i}", i + 1, state, {})


def make_case(seed: int = 0, **overrides: Any) -> DemoCase:
    """One realistic case for test factories; `overrides` replace top-level case.json fields.

    Documents are rendered after the overrides, so an overridden applicant or 文号 shows in the PDFs.
    Overriding `files` keeps that list verbatim (hashes included) and the rendered bytes as they are.
    Cases of different seeds have different source_ids, none of which a generated set uses.
    """
    return _build(2024, f"factory:{seed}", FACTORY_SEQ_BASE + abs(seed), _State.start(2024), overrides)
