"""The preservation policy: which formats are kept as they are, which are normalised into what.

Defaults live here; `[preservation]` in dangan.toml (or `DANGAN_PRESERVATION` as JSON) overrides:

    [preservation]
    accepted = ["fmt/354", "fmt/477", ...]   # replaces the list of formats kept as they are
    normalise = { pdf = "pdfa-2b", jpeg = "keep" }   # a PUID or a group → a target, or "keep" (accept as is)
    recheck_pdfa = true   # files identified as PDF/A are checked, and normalised when they fail

Only PDF → PDF/A-2b is implemented as a conversion; naming another target is a configuration error,
so a policy can never promise a copy the system cannot make. Why JPEG is kept: docs/decisions.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from dangan.core import ConfigurationError

PDFA_2B = "pdfa-2b"
TARGETS = {PDFA_2B: "PDF/A-2b"}
KEEP = "keep"

GROUPS: dict[str, frozenset[str]] = {
    "pdf": frozenset(f"fmt/{n}" for n in (14, 15, 16, 17, 18, 19, 20, 276, 1129)),
    "pdfa": frozenset(f"fmt/{n}" for n in (95, 354, 476, 477, 478, 479, 480, 481)),
    "ofd": frozenset({"dangan-fmt/ofd"}),
    "tiff": frozenset({"fmt/353", "fmt/7", "fmt/8", "fmt/9", "fmt/10", "x-fmt/387", "x-fmt/388", "x-fmt/399"}),
    "jpeg": frozenset({"fmt/41", "fmt/42", "fmt/43", "fmt/44", "fmt/645", "fmt/1507", "x-fmt/390", "x-fmt/391", "x-fmt/398"}),
    "jpeg2000": frozenset({"x-fmt/392"}),
    "png": frozenset({"fmt/11", "fmt/12", "fmt/13"}),
    "xml": frozenset({"fmt/101", "fmt/1776"}),
    "text": frozenset({"x-fmt/111"}),
}  # fmt: skip
# Long-term formats (GB/T 18894, DA/T 47): PDF/A, OFD, TIFF, JPEG, JPEG 2000, PNG, XML, plain text.
DEFAULT_ACCEPTED = frozenset().union(
    *(GROUPS[g] for g in ("pdfa", "ofd", "tiff", "jpeg", "jpeg2000", "png", "xml", "text"))
)
DEFAULT_NORMALISE = {puid: PDFA_2B for puid in GROUPS["pdf"]}
# Which source formats each target can be made from.
_CONVERTIBLE = {PDFA_2B: GROUPS["pdf"] | GROUPS["pdfa"]}

Action = Literal["keep", "normalise", "recheck", "unsupported", "unidentified"]


@dataclass(frozen=True)
class PreservationPolicy:
    accepted: frozenset[str]
    normalise: Mapping[str, str]  # PUID → target
    recheck_pdfa: bool = True

    def action(self, puid: str | None) -> tuple[Action, str | None]:
        """What to do with a file of this format, and the target when something is to be made."""
        if not puid:
            return "unidentified", None
        if puid in self.normalise:
            return "normalise", self.normalise[puid]
        if self.recheck_pdfa and puid in GROUPS["pdfa"]:
            return "recheck", PDFA_2B
        if puid in self.accepted:
            return "keep", None
        return "unsupported", None

    def candidates(self) -> frozenset[str]:
        """The formats whose files need a preservation decision recorded (a copy, or a passed check)."""
        extra = GROUPS["pdfa"] if self.recheck_pdfa else frozenset()
        return frozenset(self.normalise) | extra

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": sorted(self.accepted),
            "normalise": dict(sorted(self.normalise.items())),
            "recheck_pdfa": self.recheck_pdfa,
        }


def _puids(key: str) -> frozenset[str]:
    return GROUPS.get(key, frozenset({key}))


def policy_from(table: Mapping[str, Any]) -> PreservationPolicy:
    """The policy from a `[preservation]` table (empty: the defaults); ConfigurationError when invalid."""
    unknown = set(table) - {"accepted", "normalise", "recheck_pdfa"}
    if unknown:
        raise ConfigurationError(f"[preservation] 含未知配置项：{'、'.join(sorted(unknown))}")
    accepted = DEFAULT_ACCEPTED
    if "accepted" in table:
        value = table["accepted"]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigurationError(
                '[preservation].accepted 应为 PRONOM 编号或格式组名的列表，例如 ["fmt/354", "tiff"]'
            )
        accepted = frozenset().union(*(_puids(v) for v in value))
    normalise = dict(DEFAULT_NORMALISE)
    rules = table.get("normalise", {})
    if not isinstance(rules, Mapping):
        raise ConfigurationError('[preservation].normalise 应为表，例如 { pdf = "pdfa-2b" }')
    kept: set[str] = set()  # "keep" means: accepted as it is
    for key, target in rules.items():
        if target != KEEP and target not in TARGETS:
            choices = "、".join([*TARGETS, KEEP])
            raise ConfigurationError(
                f"[preservation].normalise 中“{key}”的目标“{target}”不受支持，可用：{choices}"
            )
        for puid in _puids(key):
            if target == KEEP:
                normalise.pop(puid, None)
                kept.add(puid)
            elif puid not in _CONVERTIBLE[target]:
                raise ConfigurationError(f"[preservation].normalise：无法把“{key}”转换为 {TARGETS[target]}")
            else:
                normalise[puid] = target
    recheck = table.get("recheck_pdfa", True)
    if not isinstance(recheck, bool):
        raise ConfigurationError("[preservation].recheck_pdfa 应为 true 或 false")
    return PreservationPolicy(accepted | kept, normalise, recheck)
