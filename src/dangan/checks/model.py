"""The vocabulary of 四性检测 (DA/T 70-2018): properties, stages, verdicts, one item's result, a report.

Kept free of any I/O so that the report can be built, stored, re-read and rendered anywhere.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from dangan.domain import CaseMetadata


class Property(StrEnum):
    """The four properties of DA/T 70-2018; the value is what reports print."""

    AUTHENTICITY = "真实性"
    INTEGRITY = "完整性"
    USABILITY = "可用性"
    SECURITY = "安全性"


class Stage(StrEnum):
    """When a package is checked: at filing, at handover to the archive, periodically in storage."""

    ARCHIVING = "归档"
    HANDOVER = "移交"
    PRESERVATION = "长期保存"

    @classmethod
    def parse(cls, value: str) -> Stage:
        aliases = {"archiving": cls.ARCHIVING, "handover": cls.HANDOVER, "preservation": cls.PRESERVATION}
        if value in aliases:
            return aliases[value]
        return cls(value)


class Verdict(StrEnum):
    PASS = "通过"
    FAIL = "不通过"
    WARN = "警告"
    NOT_APPLICABLE = "不适用"


@dataclass(frozen=True)
class Outcome:
    """What one check function found: a verdict, a Chinese message and the evidence behind it."""

    verdict: Verdict
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemResult:
    code: str
    property: Property
    name: str
    verdict: Verdict
    message: str
    blocking: bool
    evidence: dict[str, Any] = field(default_factory=dict)

    @builtins.property  # the field `property` shadows the builtin in this class body
    def blocks(self) -> bool:
        """A blocking item that failed stops the package; warnings and 不适用 never do."""
        return self.blocking and self.verdict is Verdict.FAIL

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "property": self.property.value,
            "name": self.name,
            "verdict": self.verdict.value,
            "message": self.message,
            "blocking": self.blocking,
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ItemResult:
        return cls(
            code=doc["code"],
            property=Property(doc["property"]),
            name=doc.get("name", ""),
            verdict=Verdict(doc["verdict"]),
            message=doc.get("message", ""),
            blocking=bool(doc.get("blocking", False)),
            evidence=dict(doc.get("evidence") or {}),
        )


@dataclass(frozen=True)
class CheckReport:
    """The result of one scheme on one package (`check --json`, DESIGN.md §4)."""

    stage: Stage
    items: tuple[ItemResult, ...]

    @property
    def passed(self) -> bool:
        return not any(item.blocks for item in self.items)

    @property
    def failures(self) -> list[ItemResult]:
        """The items that stop the package, in registry order."""
        return [item for item in self.items if item.blocks]

    def counts(self) -> dict[str, int]:
        out = {v.value: 0 for v in Verdict}
        for item in self.items:
            out[item.verdict.value] += 1
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "stage": self.stage.value,
            "counts": self.counts(),
            "items": [item.as_json() for item in self.items],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CheckReport:
        return cls(Stage(doc["stage"]), tuple(ItemResult.from_json(i) for i in doc.get("items", [])))


@dataclass(frozen=True)
class CheckedFile:
    """One file of a package as listed in case.json, with where its bytes are now."""

    path: str
    role: str | None
    source: Path
    declared_sha256: str | None = None
    declared_size: int | None = None


@dataclass(frozen=True)
class PackageInput:
    """What the checks look at: the package folder, its case.json as sent and as validated.

    `metadata` is None when case.json did not validate; items that need it then say 不适用 or fail.
    """

    root: Path
    document: dict[str, Any]
    metadata: CaseMetadata | None
    files: tuple[CheckedFile, ...]


TextOf = Callable[[Path], str]


@dataclass(frozen=True)
class CheckConfig:
    """Everything configurable that the items read; services fills it from settings and the catalogue.

    `required_materials` maps an approval matter's name to the material roles a case of it must hold.
    `expected` holds totals announced elsewhere (a handover form): {"files": n, "bytes": b}.
    `text_of` extracts a PDF's text layer (services passes digitize's); None uses the checks' own.
    """

    accepted_formats: frozenset[str]
    required_materials: dict[str, tuple[str, ...]] = field(default_factory=dict)
    clamav_db: str | None = None
    clamscan: str = "clamscan"
    clamd_socket: str | None = None
    trust_roots: tuple[Path, ...] = ()
    expected: dict[str, int] = field(default_factory=dict)
    text_of: TextOf | None = None
    ignored_names: frozenset[str] = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
