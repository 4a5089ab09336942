"""四性检测 wired to the archive: configuration from settings and the catalogue, reports stored with
records, failing packages sent to quarantine.

`screen_package` is the one call ingest makes: it runs the 归档 scheme before anything is stored and
either hands back the reasons for refusing the package (after quarantining it) or a `Screening` that
stores the report in the same transaction as the record.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.orm import Session

from dangan.access import Principal, Role
from dangan.checks import (
    DEFAULT_ACCEPTED,
    REGISTRY,
    CheckConfig,
    CheckedFile,
    CheckReport,
    ItemResult,
    PackageInput,
    Stage,
    Verdict,
    run_scheme,
    scheme_for,
)
from dangan.collect import CasePackage, PackageRejected, UnpackLimits, open_package
from dangan.core import ConfigurationError, PermissionDenied, Problem, ValidationFailed, new_id, utcnow
from dangan.digitize import pdf_text
from dangan.domain import QuarantineStatus
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import CheckReportRow, MatterRule, QuarantineEntry, Record
from dangan.store.crypto import seal_root_files

from ._quarantine import quarantine_package, reasons_of

# Where a problem found while opening a package (before any item could run) belongs in DA/T 70 terms.
_REJECTION_ITEMS = {
    "missing_case_json": "3-1", "invalid_case_json": "3-1", "case_json_too_large": "3-1",
    "invalid_type": "3-1", "too_long": "3-1", "invalid_key": "3-1", "missing_field": "2-2",
    "invalid_date": "1-2", "date_order": "1-2", "invalid_uscc": "1-2", "invalid_id_number": "1-2",
    "unknown_district": "1-2", "unknown_industry": "1-2", "invalid_retention": "1-2",
    "invalid_security_level": "1-2", "open_not_public": "4-3", "invalid_hash": "1-3",
    "file_missing": "2-4", "duplicate_path": "2-4", "zip_bomb": "3-4", "zip_too_many_entries": "3-4",
    "zip_size_mismatch": "3-4", "invalid_zip": "3-4",
}  # fmt: skip


def _required_materials(archive: Archive, matter: str | None) -> dict[str, tuple[str, ...]]:
    """The rule of one matter: the catalogue's (edited in the UI) wins over dangan.toml's."""
    return required_materials_of(archive, [matter] if matter else []).get(matter or "", {})


def required_materials_of(
    archive: Archive, matters: list[str], session: Session | None = None
) -> dict[str, dict[str, tuple[str, ...]]]:
    """The rules of several matters with one query (a group of packages checked together), in the
    caller's session when given."""
    wanted = sorted({m for m in matters if m})
    if not wanted:
        return {}
    with contextlib.nullcontext(session) if session is not None else archive.db.read() as s:
        rows = {r.matter: r for r in s.scalars(select(MatterRule).where(MatterRule.matter.in_(wanted)))}
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for matter in wanted:
        row = rows.get(matter)
        if row is not None:
            out[matter] = {matter: tuple(row.required)}
            continue
        entry = archive.settings.matters.get(matter)
        if isinstance(entry, dict) and "required" in entry:
            required = entry["required"]
            if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
                raise ConfigurationError(f'[matters."{matter}"].required 应为材料名称的列表')
            out[matter] = {matter: tuple(required)}
        else:
            out[matter] = {}
    return out


def check_config(archive: Archive, matter: str | None = None, **overrides: Any) -> CheckConfig:
    settings = archive.settings
    accepted = settings.checks.get("accepted_formats")
    if accepted is not None and not (
        isinstance(accepted, list) and all(isinstance(a, str) for a in accepted)
    ):
        raise ConfigurationError('[checks].accepted_formats 应为 PRONOM 编号的列表，例如 ["fmt/17"]')
    # a caller checking a group passes the rules it read at once (`required_materials_of`)
    if "required_materials" in overrides:
        required = overrides.pop("required_materials")
    else:
        required = _required_materials(archive, matter)
    # DANGAN_TRUST_ROOTS and the archive's own seal roots (an OFD copy it sealed comes back trusted)
    extra = (settings.trust_roots,) if settings.trust_roots else ()
    roots = extra + seal_root_files(settings.home / "keys")
    values: dict[str, Any] = {
        "accepted_formats": frozenset(accepted) if accepted is not None else DEFAULT_ACCEPTED,
        "required_materials": required,
        "clamav_db": settings.clamav_db,
        "clamd_socket": settings.clamd_socket,
        "trust_roots": roots,
        "text_of": pdf_text,
    }
    values.update(overrides)
    return CheckConfig(**values)


def package_input(pkg: CasePackage) -> PackageInput:
    files = []
    for f, entry in zip(pkg.files, pkg.metadata.files, strict=True):
        size = entry.extra.get("size")
        declared_size = size if isinstance(size, int) and not isinstance(size, bool) else None
        files.append(CheckedFile(f.path, f.role, f.source, f.declared_sha256, declared_size))
    return PackageInput(pkg.root, pkg.document, pkg.metadata, tuple(files))


def check_package(
    archive: Archive,
    pkg: CasePackage,
    stage: Stage = Stage.ARCHIVING,
    *,
    timings: dict[str, float] | None = None,
    **overrides: Any,
) -> CheckReport:
    """Run the configured scheme of `stage` on an opened package."""
    config = check_config(archive, pkg.metadata.matter_name, **overrides)
    return run_scheme(scheme_for(stage, archive.settings.checks), package_input(pkg), config, timings)


def rejection_report(problems: list[Problem], stage: Stage = Stage.ARCHIVING) -> CheckReport:
    """A report for a package that could not even be opened: its problems under their DA/T 70 items."""
    by_item: dict[str, list[Problem]] = {}
    for p in problems:
        by_item.setdefault(_REJECTION_ITEMS.get(p.code, "1-5"), []).append(p)
    items = []
    for code in scheme_for(stage).items:
        spec = REGISTRY[code]
        found = by_item.get(code)
        if found:
            message = "；".join(p.message for p in found)
            evidence = {"problems": [p.as_dict() for p in found]}
            items.append(ItemResult(code, spec.property, spec.name, Verdict.FAIL, message, True, evidence))
        else:
            message = "案卷包未能打开，本项未检测"
            items.append(
                ItemResult(code, spec.property, spec.name, Verdict.NOT_APPLICABLE, message, True, {})
            )
    return CheckReport(stage, tuple(items))


def parse_stage(value: str | Stage) -> Stage:
    if isinstance(value, Stage):
        return value
    try:
        return Stage.parse(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"未知的检测环节“{value}”，应为 归档、移交 或 长期保存", code="invalid_stage"
        ) from None


def check_path(archive: Archive, source: Path, stage: str | Stage = Stage.ARCHIVING) -> CheckReport:
    """`dangan check PATH`: a folder or ZIP checked without being imported."""
    stage = parse_stage(stage)
    try:
        with open_package(
            source, archive.staging, limits=UnpackLimits.from_settings(archive.settings)
        ) as pkg:
            return check_package(archive, pkg, stage)
    except PackageRejected as exc:
        return rejection_report(exc.problems or [Problem(exc.code, exc.message)], stage)


@dataclass
class Screening:
    """The outcome of checking a package at ingest. `problems` empty: archive it and call `keep`."""

    report: CheckReport
    scheme: dict[str, Any]
    actor: str
    problems: list[Problem] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)

    def text(self, path: Path) -> str:
        """A PDF's text layer, from what the checks already read where they did (the 决定书)."""
        key = str(path)
        if key not in self.texts:
            self.texts[key] = pdf_text(path)
        return self.texts[key]

    def summary(self) -> dict[str, object]:
        """What the log binds of the report: stage, verdict and every item's verdict."""
        report = self.report.as_json()
        return {"stage": self.report.stage.value, "passed": report["passed"],
                "items": [[item["code"], item["verdict"]] for item in report["items"]]}  # fmt: skip

    def keep(self, session: Session, record: Record, *, held: bool = True) -> None:
        """Store the report with the new record; a quarantined earlier copy of it is now released.

        `held` False: the caller knows no quarantine entry waits for this source (`held_sources`).
        """
        row = {
            "id": new_id(), "record_id": record.id, "stage": self.report.stage.value, "passed": True,
            "report": self.report.as_json(), "scheme": self.scheme, "actor": self.actor, "created_at": utcnow(),
        }  # fmt: skip
        session.connection().execute(insert(CheckReportRow), row)  # Core: no unit of work for one row
        if not held:
            return
        now = utcnow()
        session.execute(
            update(QuarantineEntry)
            .where(
                QuarantineEntry.source_system == record.source_system,
                QuarantineEntry.source_id == record.source_id,
                QuarantineEntry.status == QuarantineStatus.HELD,
            )
            .values(
                status=QuarantineStatus.RELEASED,
                record_id=record.id,
                resolved_by=self.actor,
                resolved_at=now,
                updated_at=now,
            )
        )


def held_sources(session: Session, keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these sources have a package waiting in quarantine: one query for a group."""
    if not keys:
        return set()
    rows = session.execute(
        select(QuarantineEntry.source_system, QuarantineEntry.source_id).where(
            QuarantineEntry.status == QuarantineStatus.HELD,
            tuple_(QuarantineEntry.source_system, QuarantineEntry.source_id).in_(set(keys)),
        )
    )
    return {(a or "", b or "") for a, b in rows}


def screen_package(
    archive: Archive,
    pkg: CasePackage,
    actor: str = "system",
    required: dict[str, tuple[str, ...]] | None = None,
) -> Screening:
    """Check a package at 归档; a package failing a blocking item is quarantined and its reasons returned.

    `required`: the matter's materials rule when the caller already read it (`required_materials_of`).
    """
    texts: dict[str, str] = {}

    def text_of(path: Path) -> str:
        texts[str(path)] = pdf_text(path)
        return texts[str(path)]

    extra: dict[str, Any] = {} if required is None else {"required_materials": required}
    report = check_package(archive, pkg, Stage.ARCHIVING, text_of=text_of, **extra)
    scheme = scheme_for(Stage.ARCHIVING, archive.settings.checks).as_json()
    screening = Screening(report, scheme, actor, texts=texts)
    if not report.passed:
        qid = quarantine_package(archive, pkg, report, scheme, actor)
        screening.problems = [
            *reasons_of(report),
            Problem("quarantined", f"案卷包已移入隔离区（编号 {qid}），可修正后重新检测，或退回形成部门"),
        ]
    return screening


def report_for_record(archive: Archive, record_id: str) -> CheckReport | None:
    """The latest stored report of a record (None for records archived before checks existed)."""
    with archive.db.read() as session:
        row = session.scalars(
            select(CheckReportRow)
            .where(CheckReportRow.record_id == record_id)
            .order_by(CheckReportRow.created_at.desc())
            .limit(1)
        ).first()
    return CheckReport.from_json(row.report) if row is not None else None


def set_matter_rule(archive: Archive, user: Principal, matter: str, required: list[str]) -> list[str]:
    """Set (or, with an empty list, remove) the required materials of an approval matter."""
    if user.role is not Role.ARCHIVIST:
        raise PermissionDenied("只有档案管理员可以设置审批事项的必备材料", code="matter_rule_forbidden")
    matter = matter.strip()
    cleaned = list(dict.fromkeys(r.strip() for r in required if r.strip()))
    if not matter or len(matter) > 200 or any(len(r) > 100 for r in cleaned):
        raise ValidationFailed(
            "审批事项名称不能为空且不超过200字，材料名称不超过100字", code="invalid_matter_rule"
        )
    with archive.db.write() as session:
        row = session.get(MatterRule, matter)
        if not cleaned:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(MatterRule(matter=matter, required=cleaned, updated_by=user.username))
        else:
            row.required, row.updated_by, row.updated_at = cleaned, user.username, utcnow()
        record_event(session, "matter_rule", user.username, None, {"matter": matter, "required": cleaned})
    return cleaned
