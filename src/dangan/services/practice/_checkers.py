"""Checkers of the exercises: each looks at the trainee's sandbox (under the one access policy where it
counts records) and says whether the exercise is done. Expected answers are computed from the sandbox's
catalogue, never written down, so a changed template or demo generator cannot make them stale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from dangan.access import Principal, record_filter
from dangan.checks import REGISTRY, item_codes
from dangan.services.archive import Archive
from dangan.store.catalog import (
    Certificate,
    HandoverBatch,
    Matter,
    QuarantineEntry,
    Record,
    UtilizationRequest,
)

from ._broken import package_source_id


@dataclass(frozen=True)
class Verdict:
    """One exercise's state for one trainee: done or not, why, and what the page needs to ask for it."""

    done: bool
    message: str
    params: dict[str, Any] = field(default_factory=dict)  # fills the title's and instructions' {names}
    answer: str | None = None  # "number" or "choice" when the trainee types or picks an answer
    choices: tuple[tuple[str, str], ...] = ()


Checker = Callable[[Archive, Principal, dict[str, Any], str | None], Verdict]
NOT_ANSWERED = "尚未作答"


def _count(archive: Archive, user: Principal, params: dict[str, Any], answer: str | None) -> Verdict:
    """How many records of one result, matter and year the trainee can see. The matter and year are those
    with most such records (the preferred matter when it has any); a sandbox without the wanted result
    asks for its most common one instead, so the exercise always has an answer above zero."""
    wanted = str(params.get("result") or "不予许可")
    with archive.db.read() as s:
        query = (
            select(Record.result, Matter.name, Record.year, func.count())
            .join(Matter, Matter.id == Record.matter_id)
            .where(record_filter(user), Record.lifecycle_status.is_(None))
            .group_by(Record.result, Matter.name, Record.year)
        )
        rows = [(str(r), str(m), int(y), int(n)) for r, m, y, n in s.execute(query).all()]
    if not rows:
        return Verdict(
            False, "练习档案中没有您能看到的案卷，本题不计分", {"result": wanted, "matter": "—", "year": "—"}
        )
    rows = [r for r in rows if r[0] == wanted] or rows
    rows = [r for r in rows if r[1] == params.get("prefer_matter")] or rows
    result, matter, year, expected = max(rows, key=lambda r: (r[3], r[2], r[1], r[0]))
    shown = {"result": result, "matter": matter, "year": year}
    if answer is None:
        return Verdict(False, NOT_ANSWERED, shown, "number")
    if answer.strip() == str(expected):
        return Verdict(True, f"回答正确：共 {expected} 件", shown, "number")
    return Verdict(False, f"回答不正确（您填写的是 {answer}），请再查一查", shown, "number")


def _check_failure(archive: Archive, user: Principal, params: dict[str, Any], answer: str | None) -> Verdict:
    """The trainee uploaded the broken package (it sits in his sandbox's quarantine) and named a failed item."""
    source_id = package_source_id(user.username, str(params.get("defect") or "hash_mismatch"))
    choices = tuple((code, f"{code} {REGISTRY[code].name}") for code in item_codes())
    with archive.db.read() as s:
        entry = s.scalars(
            select(QuarantineEntry).where(QuarantineEntry.source_id == source_id).order_by(QuarantineEntry.created_at.desc())
        ).first()  # fmt: skip
        reasons = list(entry.reasons or []) if entry is not None else []
    if entry is None:
        return Verdict(False, "尚未上传练习案卷包", {"source_id": source_id}, "choice", choices)
    failed = sorted({str(r.get("code", "")).removeprefix("check:") for r in reasons
                     if str(r.get("code", "")).startswith("check:")})  # fmt: skip
    shown = {"source_id": source_id}
    if answer is None:
        return Verdict(False, "已上传并移入隔离区，请选择未通过的检测项", shown, "choice", choices)
    if answer in failed:
        name = REGISTRY[answer].name if answer in REGISTRY else answer
        return Verdict(True, f"回答正确：未通过 {answer} {name}", shown, "choice", choices)
    return Verdict(False, f"回答不正确（您选择的是 {answer}），请再看一看检测报告", shown, "choice", choices)


def _exists(model: Any, column: Any, done: str, todo: str, *, shown_name: bool = False) -> Checker:
    """Done once a row of `model` names the trainee in `column` (a certificate names its issuer as shown
    on the PDF: the display name)."""

    def check(archive: Archive, user: Principal, _params: dict[str, Any], _answer: str | None) -> Verdict:
        names = {user.username, user.display_name or user.username} if shown_name else {user.username}
        with archive.db.read() as s:
            found = s.scalar(select(column).where(column.in_(names)).limit(1)) is not None
        return Verdict(found, done if found else todo)

    return check


CHECKERS: dict[str, Checker] = {
    "count": _count,
    "check_failure": _check_failure,
    "certificate": _exists(
        Certificate, Certificate.issuer, "已出具档案证明", "尚未出具档案证明", shown_name=True
    ),
    "request": _exists(
        UtilizationRequest, UtilizationRequest.requester, "已提交利用申请", "尚未提交利用申请"
    ),
    "handover": _exists(HandoverBatch, HandoverBatch.created_by, "已建立移交批次", "尚未建立移交批次"),
}
