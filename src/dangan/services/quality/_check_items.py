"""The catalogue of 四性检测 items as the delivery layers may read it: code, property, name and the
stages it runs at, straight from the check registry, so the manual's explanation pages cannot list an
item the checks do not have or miss one they do."""

from __future__ import annotations

from dataclasses import dataclass

from dangan.checks import REGISTRY, Stage, item_codes


@dataclass(frozen=True)
class CheckItemInfo:
    code: str
    property: str  # 真实性 / 完整性 / 可用性 / 安全性
    name: str
    stages: tuple[str, ...]  # 归档 / 移交 / 长期保存, in that order
    describe: str  # the developer's note from the registry (English); not for display


def check_items() -> list[CheckItemInfo]:
    """Every registered item in DA/T 70 order."""
    out = []
    for code in item_codes():
        spec = REGISTRY[code]
        stages = tuple(s.value for s in Stage if s in spec.stages)
        out.append(CheckItemInfo(code, spec.property.value, spec.name, stages, spec.describe))
    return out
