"""The validated content of a case package's `case.json` (case package v1, DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dangan.domain.levels import Retention, SecurityLevel

# Who applies for an approval (申请人类型); the first two must carry a unified social credit code.
APPLICANT_TYPES = ("企业", "个体工商户", "个人", "社会组织", "事业单位", "机关")
USCC_REQUIRED_TYPES = ("企业", "个体工商户")


@dataclass(frozen=True)
class Applicant:
    name: str
    type: str | None = None
    uscc: str | None = None
    legal_representative: str | None = None
    id_number: str | None = None
    phone: str | None = None
    address: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseFile:
    path: str
    role: str | None = None
    sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseMetadata:
    source_system: str
    source_id: str
    department: str
    matter_name: str
    matter_code: str | None
    title: str
    doc_number: str | None
    applicant: Applicant
    district: str | None
    industry: str | None
    accepted_at: date
    decided_at: date
    result: str
    retention: Retention
    security_level: SecurityLevel
    open_to_public: bool
    files: tuple[CaseFile, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        """The idempotency key: importing the same key twice stores one record."""
        return (self.source_system, self.source_id)

    @property
    def year(self) -> int:
        """Archival year (年度): the year the case was decided, when it was closed and filed."""
        return self.decided_at.year
