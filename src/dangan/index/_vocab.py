"""The words the query parser knows: the catalogue's own names, GB/T 2260 places, and synonym tables.

A `Vocabulary` is plain data built by the caller (services read the catalogue); `Matcher` compiles it into
keys, each pointing at one filter, so parsing is a scan for known keys, longest first — no model, no
network, well under a millisecond for a query.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files

from dangan.domain import all_industries, industry_by_code

from ._normal import normalise_query

SYNONYM_KINDS = ("departments", "matters", "industries", "results")
SECURITY_WORDS = {"公开": "公开", "内部": "内部", "秘密": "秘密", "机密": "机密", "绝密": "绝密"}
_DISTRICT_SUFFIXES = (
    "满族自治县",
    "回族自治县",
    "蒙古族自治县",
    "自治县",
    "自治旗",
    "新区",
    "区",
    "县",
    "市",
    "旗",
)
_INDUSTRY_TAILS = ("企业", "行业", "业", "公司", "单位", "商户", "类")
_MATTER_ACTIONS = ("核发", "审批", "核准", "登记", "注册", "备案", "审核", "认定", "许可")


@cache
def shipped_synonyms() -> dict[str, dict[str, str]]:
    """The defaults in `index/data/synonyms.toml` (kind → alias → target)."""
    text = files("dangan.index.data").joinpath("synonyms.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {kind: {normalise_query(k): v for k, v in data.get(kind, {}).items()} for kind in SYNONYM_KINDS}


@dataclass(frozen=True)
class Vocabulary:
    departments: tuple[str, ...] = ()  # current full names, as in the catalogue
    matters: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()  # GB/T 2260 codes the catalogue's records carry
    synonyms: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # kind → alias → target


@dataclass(frozen=True)
class Key:
    text: str
    kind: str  # district, department, matter, industry, result, security_level
    values: tuple[str, ...]  # what it names (several matters for 环评 when the archive has several)
    label: str  # the chip's text: the full name
    others: tuple[Key, ...] = ()  # the same words as another kind (货运: a matter, or an industry)
    weak: bool = False  # a bare word (餐饮) that is a filter only beside another filter, else a search word


def _short_district_names(name: str) -> set[str]:
    """北戴河区 → 北戴河; 青龙满族自治县 → 青龙 and 青龙县 (how people write an autonomous county)."""
    out = {name}
    for suffix in _DISTRICT_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            short = name[: -len(suffix)]
            out.add(short)
            if suffix.endswith("自治县"):
                out.add(short + "县")
            if suffix.endswith("自治旗"):
                out.add(short + "旗")
            break
    return out


@cache
def places() -> tuple[tuple[str, str, str], ...]:
    """(code, name, level) of every current GB/T 2260 place, from `index/data/places.tsv` (≈ 2 ms; the
    full history in `dangan.domain` takes ≈ 0.35 s to load, too slow for a command's start)."""
    text = files("dangan.index.data").joinpath("places.tsv").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return tuple((r[0], r[1], r[2]) for r in rows)


def _district_keys(present: Iterable[str]) -> list[Key]:
    """The archive's own places by full and short name (北戴河), with their prefecture and province;
    every other current place in China by its full name (3+ characters), so 海淀区 is understood too."""
    keys: dict[str, Key] = {}
    near: set[str] = set()
    for code in present:
        if len(code) == 6 and code.isdigit():
            near.update({code, code[:4] + "00", code[:2] + "0000"})
    for code, name, _level in places():
        if name in ("市辖区", "县", "省直辖县级行政区划"):
            continue
        names = _short_district_names(name) if code in near else ({name} if len(name) >= 3 else set())
        for text in names:
            if text in keys and keys[text].values != (code,) and code not in near:
                continue  # ambiguous across China: the archive's own place wins, others are dropped
            keys[text] = Key(text, "district", (code,), name)
    return list(keys.values())


def _department_keys(departments: Iterable[str], aliases: Mapping[str, str]) -> list[Key]:
    keys: list[Key] = []
    names = list(departments)
    for name in names:
        forms = {name}
        for prefix in ("国家税务总局",):
            if name.startswith(prefix):
                forms.add(name[len(prefix) :])
        for form in list(forms):
            for cut in ("省", "市", "区", "县"):  # 秦皇岛市市场监督管理局 → 市场监督管理局
                head, sep, tail = form.partition(cut)
                if sep and len(tail) >= 3 and len(head) <= 6:
                    forms.add(tail)
        keys += [Key(normalise_query(f), "department", (name,), name) for f in forms]
    for alias, target in aliases.items():
        hits = tuple(n for n in names if n.endswith(target) or target in n)
        if hits:
            keys.append(Key(alias, "department", hits, hits[0]))
    return keys


def _matter_forms(name: str) -> set[str]:
    forms = {name}
    for action in _MATTER_ACTIONS:
        if name.endswith(action) and len(name) - len(action) >= 3:
            forms.add(name[: -len(action)])
    for form in list(forms):
        if form.endswith("许可"):
            forms.add(form + "证")
        if form.endswith("证") and len(form) >= 4:
            forms.add(form[:-1])
    return forms


def _matter_keys(matters: Iterable[str], aliases: Mapping[str, str]) -> list[Key]:
    names = list(matters)
    keys = [Key(normalise_query(f), "matter", (n,), n) for n in names for f in _matter_forms(n)]
    for alias, target in aliases.items():
        hits = tuple(n for n in names if target in n)
        if hits:
            keys.append(Key(alias, "matter", hits, hits[0] if len(hits) == 1 else alias))
    return keys


def industry_label(code: str) -> str:
    found = industry_by_code(code)
    return f"{found.name}（{code}）" if found else code


@cache
def _industry_name_keys() -> list[Key]:
    """GB/T 4754 sections and divisions by their names (房地产业, 餐饮业); finer classes only by synonym."""
    keys = []
    for ind in all_industries():
        if ind.level in ("section", "division") and "、" not in ind.name and len(ind.name) >= 3:
            code = ind.qualified_code
            keys.append(Key(normalise_query(ind.name), "industry", (code,), industry_label(code)))
    return keys


def build_keys(vocab: Vocabulary) -> list[Key]:
    """Every key, longest first; for one text the first kind listed wins (matters before industries)."""
    synonyms = {kind: dict(shipped_synonyms().get(kind, {})) for kind in SYNONYM_KINDS}
    for kind, entries in vocab.synonyms.items():
        synonyms.setdefault(kind, {}).update({normalise_query(k): v for k, v in entries.items()})
    keys = _matter_keys(vocab.matters, synonyms["matters"])
    keys += _department_keys(vocab.departments, synonyms["departments"])
    keys += _district_keys(vocab.districts)
    for word, code in synonyms["industries"].items():
        label = industry_label(code)
        keys.append(Key(word, "industry", (code,), label, weak=len(word) < 3))
        keys += [Key(word + tail, "industry", (code,), label) for tail in _INDUSTRY_TAILS]
    keys += _industry_name_keys()
    results = {normalise_query(r): r for r in vocab.results}
    keys += [Key(k, "result", (r,), r) for k, r in results.items()]
    keys += [Key(w, "result", (r,), r) for w, r in synonyms["results"].items() if w not in results]
    keys += [
        Key(w + tail, "security_level", (v,), v) for w, v in SECURITY_WORDS.items() for tail in ("", "级")
    ]
    seen: dict[str, Key] = {}
    for key in keys:
        if len(key.text) < 2:
            continue
        first = seen.get(key.text)
        if first is None:
            seen[key.text] = key
        elif key.kind != first.kind and all(o.kind != key.kind for o in first.others):
            seen[key.text] = replace(first, others=(*first.others, key))
    return sorted(seen.values(), key=lambda k: -len(k.text))
