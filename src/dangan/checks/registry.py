"""The registry of check items: DA/T 70-2018 codes 1-1 … 4-3, each bound to the function that runs it.

Items register themselves with `@item(...)` in the per-property modules; the package's `__init__`
imports those modules, so the registry is complete whenever `dangan.checks` is imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .model import Outcome, Property, Stage

if TYPE_CHECKING:
    from .context import CheckContext

CheckFn = Callable[["CheckContext"], Outcome]
ALL_STAGES = frozenset(Stage)


@dataclass(frozen=True)
class ItemSpec:
    code: str
    property: Property
    name: str
    stages: frozenset[Stage]
    run: CheckFn
    describe: str


REGISTRY: dict[str, ItemSpec] = {}


def _order(code: str) -> tuple[int, ...]:
    return tuple(int(p) for p in code.split("-"))


def item(
    code: str, prop: Property, name: str, *, stages: frozenset[Stage] = ALL_STAGES
) -> Callable[[CheckFn], CheckFn]:
    """Register a check item under its DA/T 70 code; the function's docstring is its description."""

    def register(fn: CheckFn) -> CheckFn:
        if code in REGISTRY:
            raise ValueError(f"check item {code} registered twice")
        REGISTRY[code] = ItemSpec(code, prop, name, frozenset(stages), fn, (fn.__doc__ or "").strip())
        return fn

    return register


def item_codes() -> list[str]:
    """Every registered code in DA/T 70 order (1-1, 1-2, …, 4-3)."""
    return sorted(REGISTRY, key=_order)


def spec(code: str) -> ItemSpec:
    return REGISTRY[code]
