"""Value objects handed between the demo generator's stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

RESULTS = ("准予许可", "准予变更", "准予延续", "不予许可")
APPLICANT_TYPES = ("企业", "个体工商户", "个人")


@dataclass(frozen=True)
class Department:
    """A forming department (立档单位) and the business system that pushes its cases."""

    name: str
    source_system: str
    id_prefix: str  # source_id prefix: SCJG-2023-000123
    doc_prefix: str  # 文号 prefix: 秦市监许〔2023〕128号
    window: str  # 办理窗口
    address: str


@dataclass(frozen=True)
class District:
    """A county-level division of 秦皇岛市 (GB/T 2260) with streets for addresses."""

    code: str
    name: str
    short: str
    weight: float
    towns: tuple[str, ...]
    roads: tuple[str, ...]

    @property
    def prefix(self) -> str:
        """How the district opens a name or address: 秦皇岛市海港区 / 昌黎县."""
        return f"秦皇岛市{self.name}" if self.name.endswith("区") else self.name


@dataclass(frozen=True)
class Matter:
    """An approval matter (审批事项) and what its cases look like."""

    code: str
    name: str
    department: str  # Department.name
    materials: tuple[str, ...]  # material roles a complete case holds, 申请书 and 决定书 included
    licence: str  # the certificate issued, "" when the decision itself is the result
    basis: str  # legal basis quoted in the decision
    results: tuple[tuple[str, float], ...]  # result -> relative frequency
    refusals: tuple[str, ...]  # typical reasons for 不予许可
    days: tuple[int, int]  # working days from acceptance to decision (min, max)
    retention: str  # 永久 / 30年 / 10年
    security: tuple[tuple[str, float], ...]  # security level -> relative frequency
    industries: tuple[str, ...]  # GB/T 4754-2017 classes (section letter + 4 digits); () = any
    applicant_types: tuple[tuple[str, float], ...]  # 企业 / 个体工商户 / 个人 -> relative frequency
    weight: float  # relative case volume
    doc_prefix: str = ""  # overrides the department's 文号 prefix when set

    def result_text(self, result: str) -> str:
        """The operative sentence of the decision for `result`."""
        issued = f"，核发《{self.licence}》" if self.licence else ""
        if result == "准予许可":
            return f"决定准予许可{issued}。"
        if result == "准予变更":
            return f"决定准予变更，换发《{self.licence}》。" if self.licence else "决定准予变更。"
        if result == "准予延续":
            return f"决定准予延续，有效期延续五年{issued}。"
        return "决定不予许可。"


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # 男 / 女
    birth: date
    id_number: str
    phone: str


@dataclass(frozen=True)
class Applicant:
    """An enterprise, a 个体工商户 or a person applying for approvals."""

    name: str
    type: str  # one of APPLICANT_TYPES
    person: Person  # legal representative, operator (经营者) or the applicant themself
    district: str
    industry: str
    address: str
    uscc: str | None = None
    established: date | None = None
    capital: int | None = None  # 注册资本, 万元
    registrar: str = ""  # 登记机关

    def as_case_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.uscc is not None:
            d["uscc"] = self.uscc
        if self.type != "个人":
            d["legal_representative"] = self.person.name
        d["id_number"] = self.person.id_number
        d["phone"] = self.person.phone
        d["address"] = self.address
        return d


@dataclass(frozen=True)
class CaseFacts:
    """What the documents of a case draw on beyond the case.json fields."""

    matter: Matter
    department: Department
    applicant: Applicant
    accept_no: str  # 受理编号
    licence_no: str  # 许可证编号, "" when none is issued
    refusal: str  # reason when the result is 不予许可
    change: str  # what changes when the result is 准予变更
    notes: dict[str, str] = field(default_factory=dict)
