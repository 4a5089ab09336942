"""Bulk import: every package under the given paths, each on its own, with a report per contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.collect import PackageRejected, discover, open_package

from .archive import Archive
from .ingest import IngestOutcome, ingest_package


@dataclass
class ImportReport:
    accepted: list[IngestOutcome] = field(default_factory=list)
    duplicates: list[IngestOutcome] = field(default_factory=list)
    rejected: list[IngestOutcome] = field(default_factory=list)

    def add(self, outcome: IngestOutcome) -> None:
        {"accepted": self.accepted, "duplicate": self.duplicates, "rejected": self.rejected}[
            outcome.status
        ].append(outcome)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": [
                {"source_system": o.source_system, "source_id": o.source_id, "record_id": o.record_id,
                 "archival_code": o.archival_code}
                for o in self.accepted
            ],
            "duplicates": [
                {"source_system": o.source_system, "source_id": o.source_id, "record_id": o.record_id}
                for o in self.duplicates
            ],
            "rejected": [
                {"path": o.origin, "source_system": o.source_system, "source_id": o.source_id,
                 "reasons": [p.as_dict() for p in o.problems]}
                for o in self.rejected
            ],
        }  # fmt: skip


def import_one(archive: Archive, source: Path, actor: str = "system") -> IngestOutcome:
    try:
        with open_package(source, archive.staging) as pkg:
            return ingest_package(archive, pkg, actor)
    except PackageRejected as exc:
        return IngestOutcome("rejected", origin=str(source), problems=exc.problems)


def import_paths(
    archive: Archive,
    paths: list[Path],
    *,
    actor: str = "system",
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[IngestOutcome], None] | None = None,
) -> ImportReport:
    sources = list(discover(paths))
    if on_start:
        on_start(len(sources))
    report = ImportReport()
    for source in sources:
        outcome = import_one(archive, source, actor)
        report.add(outcome)
        if on_done:
            on_done(outcome)
    return report
