"""The demo archive: generated cases of one city's approval system, imported like any other, and a
set of accounts (one per role) so a newcomer can see every side of the system at once."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from dangan.services.accounts import add_user
from dangan.services.archive import Archive
from dangan.store.catalog import User

from ._importer import ImportReport, import_paths
from ._ingest import IngestOutcome

DEMO_PASSWORD = "Dangan@2024"
DEMO_ACTOR = "demo:setup"  # not a possible username (no colon allowed); monitoring raises nothing for it


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    display_name: str
    department: str | None = None
    clearance: str = "内部"


def demo_accounts() -> list[DemoAccount]:
    from dangan.demo import DEPARTMENTS  # the generator loads reportlab: only for the demo itself

    accounts = [
        DemoAccount("archivist", "archivist", "王档案（档案管理员）", clearance="秘密"),
        # a second archivist: destruction needs two approvals by others than the proposer (鉴定销毁)
        DemoAccount("archhead", "archivist", "李馆长（档案馆负责人）", clearance="秘密"),
        DemoAccount("admin", "sysadmin", "系统管理员", clearance="公开"),
        DemoAccount("secadmin", "secadmin", "安全保密管理员", clearance="公开"),
        DemoAccount("auditor", "auditor", "安全审计员", clearance="公开"),
        # 内部, not 公开: grants are capped at clearance, so an approved 利用申请 for a 内部 record must work
        DemoAccount("reader", "reader", "查阅用户", clearance="内部"),
    ]
    for i, dept in enumerate(DEPARTMENTS, start=1):
        accounts.append(DemoAccount(f"clerk{i}", "clerk", f"{dept.name}经办人", dept.name, "内部"))
        accounts.append(DemoAccount(f"head{i}", "dept_head", f"{dept.name}负责人", dept.name, "秘密"))
    return accounts


def ensure_demo_accounts(archive: Archive) -> list[DemoAccount]:
    created = []
    with archive.db.read() as s:
        existing = set(s.scalars(select(User.username)).all())
    for acc in demo_accounts():
        if acc.username not in existing:
            add_user(archive, acc.username, DEMO_PASSWORD, acc.role, department=acc.department,
                     clearance=acc.clearance, display_name=acc.display_name, actor=DEMO_ACTOR)  # fmt: skip
            created.append(acc)
    return created


def load_demo(
    archive: Archive,
    count: int = 1000,
    seed: int = 2024,
    *,
    on_generated: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[IngestOutcome], None] | None = None,
) -> ImportReport:
    """Generate `count` cases deterministically and import them (idempotent: a second run adds nothing)."""
    from dangan.demo import write_demo_set

    workdir = Path(tempfile.mkdtemp(prefix="demo-", dir=archive.staging))
    try:
        write_demo_set(workdir, count, seed=seed, progress=on_generated)
        report = import_paths(archive, [workdir], actor="demo", on_start=on_start, on_done=on_done)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ensure_demo_accounts(archive)
    return report
