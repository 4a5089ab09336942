"""Import of an exchange package (交换包导入): checked whole first, then each record ingested as any package.

A bag is refused whole, with every reason and nothing written, when it is tampered with, incomplete, or
claims records of another archive (`_exchange_checks`). A bag that passes is imported through the same
bulk import as `dangan import` (`import_paths`): each record is one case package, so 四性检测, 档号,
encryption at rest, replicas and the ledger happen exactly as for any package, and a record already
archived here unchanged is a duplicate. A record that fails this archive's own 四性检测 (say, a format
this archive does not accept) goes to quarantine like any package and is reported as rejected; the
others are archived. The import is one ledger event naming the source archive, the export and what
became of each record.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from dangan.collect import PackageRejected, UnpackLimits, unpacked
from dangan.core import Problem
from dangan.services.archive import Archive, log_event
from dangan.services.intake import ImportReport, IngestOutcome, import_paths
from dangan.share import is_exchange_bag

from ._exchange_checks import check_exchange
from ._export import archive_identity

__all__ = ["import_exchange", "is_exchange_bag"]


def _refused(path: Path, problems: list[Problem]) -> ImportReport:
    report = ImportReport()
    report.add(IngestOutcome("rejected", origin=str(path), problems=problems))
    return report


def import_exchange(archive: Archive, path: Path, actor: str = "system") -> ImportReport:
    """Import one exchange bag (folder or ZIP); the report has the `dangan import --json` shape."""
    ours = archive_identity(archive).id
    with contextlib.ExitStack() as stack:
        root = path
        if not path.is_dir():
            try:
                root = stack.enter_context(
                    unpacked(path, archive.staging, UnpackLimits.from_settings(archive.settings))
                )
            except PackageRejected as exc:
                return _refused(path, exc.problems or [Problem(exc.code, exc.message)])
        plan, problems = check_exchange(archive, root, ours)
        if plan is None:
            return _refused(path, problems)
        report = import_paths(archive, plan.folders, actor=actor)
    by_origin = {o.origin: o for o in [*report.accepted, *report.duplicates, *report.rejected]}
    outcomes = []
    for rid, folder in zip(plan.record_ids, plan.folders, strict=True):
        o = by_origin.get(str(folder))
        outcomes.append([rid, o.status if o else "rejected", o.record_id if o else None])
        if o is not None:
            o.origin = f"{path}#{rid}"  # the temporary folder means nothing once the import is over
    log_event(archive, "exchange_import", actor, None, {
        "export": plan.export_id, "source": plan.source, "key_id": plan.key_id, "name": path.name,
        "records": outcomes,
    })  # fmt: skip
    return report
