"""Case packages uploaded in the browser — ZIPs, BagIt bags, whole folders — imported like `dangan import`.

The page sends each file with its relative path (a folder keeps its tree, so `pkg/case.json` and
`pkg/决定书.pdf` arrive as one package); the received tree is then read exactly as bulk import reads a
folder of packages, and each package gets its own result. A department's clerk brings only his own
department's cases, at or below his clearance: others are refused before anything is checked or stored.
"""

from __future__ import annotations

from collections.abc import Callable

from dangan.access import DEPARTMENT_SCOPED, Principal
from dangan.collect import CasePackage, discover
from dangan.core import Problem, ValidationFailed
from dangan.services.archive import Archive

from ._channels import require_uploader
from ._importer import GROUP, ImportReport, import_group
from ._receive import ReceivedUpload


def _allowed_for(user: Principal) -> Callable[[CasePackage], list[Problem]]:
    def allow(pkg: CasePackage) -> list[Problem]:
        meta = pkg.metadata
        problems = []
        if user.role in DEPARTMENT_SCOPED and meta.department != user.department:
            problems.append(Problem(
                "department_mismatch", f"案卷的形成部门为“{meta.department}”，您只能上传本部门（{user.department}）的案卷",
                "department",
            ))  # fmt: skip
        if meta.security_level.rank > user.clearance.rank:
            problems.append(Problem(
                "above_clearance", f"密级“{meta.security_level.label}”高于您的可阅密级（{user.clearance.label}）",
                "security_level",
            ))  # fmt: skip
        return problems

    return allow


def upload_packages(archive: Archive, user: Principal, upload: ReceivedUpload) -> ImportReport:
    require_uploader(user)
    if not upload.files:
        raise ValidationFailed(
            "请选择要上传的案卷包（ZIP、BagIt 或含 case.json 的文件夹）", code="file_required"
        )
    sources = list(discover([upload.package]))
    report = ImportReport()
    allow = _allowed_for(user)
    for start in range(0, len(sources), GROUP):
        for outcome in import_group(archive, sources[start : start + GROUP], user.username, allow=allow):
            report.add(outcome)
    return report
