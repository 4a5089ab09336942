"""Schemes: which items run at which stage and which of them block the package.

The defaults follow DA/T 70-2018: every item at 归档 and 移交, the items that can change over time at
长期保存. `[checks.<stage>]` in dangan.toml (or `DANGAN_CHECKS`) overrides them:

    [checks."归档"]
    items = ["1-1", "1-2", "1-3", "2-3", "2-4", "3-2", "4-1"]   # which items run (default: all)
    non_blocking = ["3-3"]                                       # fail → reported, package still taken
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from dangan.core import ConfigurationError

from .context import CheckContext
from .model import CheckConfig, CheckReport, ItemResult, Outcome, PackageInput, Stage, Verdict
from .registry import REGISTRY, item_codes

_PRESERVATION_ITEMS = ("1-1", "1-3", "2-1", "2-4", "3-2", "3-3", "3-4", "4-1")


@dataclass(frozen=True)
class Scheme:
    stage: Stage
    items: tuple[str, ...]
    blocking: frozenset[str]

    def as_json(self) -> dict[str, Any]:
        return {"stage": self.stage.value, "items": list(self.items), "blocking": sorted(self.blocking)}


def default_scheme(stage: Stage) -> Scheme:
    codes = [c for c in item_codes() if stage in REGISTRY[c].stages]
    if stage is Stage.PRESERVATION:
        codes = [c for c in codes if c in _PRESERVATION_ITEMS]
    return Scheme(stage, tuple(codes), frozenset(codes))


def _codes(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigurationError(f'检测方案配置 {where} 应为检测项编号的列表，例如 ["1-1", "2-3"]')
    unknown = [v for v in value if v not in REGISTRY]
    if unknown:
        raise ConfigurationError(f"检测方案配置 {where} 含有未知的检测项：{'、'.join(unknown)}")
    return value


def scheme_for(stage: Stage, config: dict[str, Any] | None = None) -> Scheme:
    """The scheme of `stage`: the default, changed by `config[stage]` (items / blocking / non_blocking)."""
    base = default_scheme(stage)
    section = (config or {}).get(stage.value) or (config or {}).get(stage.name.lower())
    if not section:
        return base
    if not isinstance(section, dict):
        raise ConfigurationError(f'检测方案配置 [checks."{stage.value}"] 应为表')
    items = base.items
    if "items" in section:
        chosen = set(_codes(section["items"], f'[checks."{stage.value}"].items'))
        items = tuple(c for c in item_codes() if c in chosen)
    blocking = set(base.blocking) & set(items)
    if "blocking" in section:
        blocking = set(_codes(section["blocking"], f'[checks."{stage.value}"].blocking')) & set(items)
    if "non_blocking" in section:
        blocking -= set(_codes(section["non_blocking"], f'[checks."{stage.value}"].non_blocking'))
    return Scheme(stage, items, frozenset(blocking))


def run_scheme(
    scheme: Scheme, package: PackageInput, config: CheckConfig, timings: dict[str, float] | None = None
) -> CheckReport:
    """Run every item of `scheme` on `package`. An item that crashes is reported as failed, not raised.

    `timings`, when given, receives the seconds spent per item code (for the benchmarks).
    """
    ctx = CheckContext(package, config)
    results: list[ItemResult] = []
    for code in scheme.items:
        item = REGISTRY[code]
        start = time.perf_counter()
        try:
            outcome = item.run(ctx)
        except Exception as exc:  # a check must never take the importer down with it
            outcome = Outcome(
                Verdict.FAIL, f"检测项执行出错：{type(exc).__name__}: {exc}", {"error": str(exc)}
            )
        if timings is not None:
            timings[code] = timings.get(code, 0.0) + time.perf_counter() - start
        results.append(
            ItemResult(
                code=code,
                property=item.property,
                name=item.name,
                verdict=outcome.verdict,
                message=outcome.message,
                blocking=code in scheme.blocking,
                evidence=outcome.evidence,
            )
        )
    return CheckReport(scheme.stage, tuple(results))
