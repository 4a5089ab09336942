"""The list filter and the single-record decision are the same rule, for every kind of user."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role, can_read, record_filter
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.store.catalog import Record
from tests.factories import package_dir

LEVELS = ["公开", "内部", "秘密", "机密"]


@pytest.fixture
def mixed_archive(any_archive: Archive, tmp_path: Path) -> Archive:
    root = tmp_path / "in"
    for i in range(24):
        level = LEVELS[i % 4]
        package_dir(root, 100 + i, security_level=level, open_to_public=(level == "公开" and i % 8 == 0))
    report = import_paths(any_archive, [root])
    assert len(report.accepted) == 24
    return any_archive


def _principals(departments: list[str]) -> list[Principal]:
    out = []
    for role in Role:
        for level in SecurityLevel:
            for dept in [*departments[:2], "不存在的部门", None]:
                out.append(Principal(f"{role.code}-{level.name}-{dept}", role, dept, level))
    return out


def test_filter_equals_decision_for_every_principal(mixed_archive: Archive) -> None:
    with mixed_archive.db.read() as s:
        records = s.scalars(select(Record)).all()
        departments = sorted({r.department.name for r in records})
        assert len(departments) >= 2
        for user in _principals(departments):
            listed = set(s.scalars(select(Record.id).where(record_filter(user))).all())
            decided = {r.id for r in records if can_read(user, r)}
            assert listed == decided, user


def test_three_admins_see_nothing_and_clerks_only_their_department(mixed_archive: Archive) -> None:
    with mixed_archive.db.read() as s:
        records = s.scalars(select(Record)).all()
        for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
            user = Principal("x", role, None, SecurityLevel.CONFIDENTIAL)
            assert not any(can_read(user, r) for r in records)
        dept = records[0].department.name
        clerk = Principal("c", Role.CLERK, dept, SecurityLevel.CONFIDENTIAL)
        seen = [r for r in records if can_read(clerk, r)]
        assert seen and all(r.department.name == dept for r in seen)
        low = Principal("c", Role.CLERK, dept, SecurityLevel.INTERNAL)
        assert all(r.security_rank <= 1 for r in records if can_read(low, r))
        public = Principal("p", Role.PUBLIC)
        assert all(r.open_to_public for r in records if can_read(public, r))
        assert any(can_read(public, r) for r in records)
