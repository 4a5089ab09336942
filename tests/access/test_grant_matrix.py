"""Grants in the one policy, over the whole matrix: every role × department × clearance × grant kind ×
record (department, security level, open status). The list filter equals the single-record decision;
a grant adds exactly the granted records within the user's clearance, download and unmasking only when
granted; the three administrators gain nothing from any grant; refusals look like missing records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from dangan.access import Grant, Principal, Role, can_download, can_read, record_filter, should_mask
from dangan.core import NotFound, PermissionDenied, utcnow
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.records import BrowseFilter, browse, file_for, overview, record_for
from dangan.store.catalog import Record
from tests.factories import package_dir

DEPTS = ["秦皇岛市市场监督管理局", "秦皇岛市生态环境局"]
KINDS = ("none", "view", "download", "unmask")
MISSING = "01AAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, list[Record]]]:
    from dangan.core import load_settings
    from dangan.services.archive import open_archive

    tmp = tmp_path_factory.mktemp("grants")
    archive = open_archive(load_settings(tmp / "data"))
    shapes = [
        (d, lv, lv == "公开" and k == 0)
        for d in DEPTS
        for lv in ("公开", "内部", "秘密", "机密")
        for k in (0, 1)
    ]
    shapes = [s for s in shapes if not (s[1] != "公开" and s[2])]
    for i, (dept, level, open_) in enumerate(shapes):
        package_dir(tmp / "in", 700 + i, department=dept, security_level=level, open_to_public=open_)
    report = import_paths(archive, [tmp / "in"])
    assert not report.rejected
    with archive.db.read() as s:
        records = list(s.scalars(select(Record)).all())
        for r in records:
            _ = (r.department, r.files)
    try:
        yield archive, records
    finally:
        archive.close()


def _grants(kind: str, records: list[Record]) -> tuple[Grant, ...]:
    if kind == "none":
        return ()
    # Every other record is granted, so both granted and ungranted records are probed.
    until = utcnow() + timedelta(days=1)
    return tuple(Grant("R" * 26, r.id, kind == "download", kind == "unmask", until) for r in records[::2])


def _principals(records: list[Record]) -> Iterator[Principal]:
    for role in Role:
        for level in (SecurityLevel.PUBLIC, SecurityLevel.INTERNAL, SecurityLevel.SECRET):
            for dept in (DEPTS[0], None):
                for kind in KINDS:
                    yield Principal(
                        f"{role.code}-{level.name}-{kind}", role, dept, level, grants=_grants(kind, records)
                    )


def test_filter_equals_decision_and_grants_add_exactly_what_they_name(
    world: tuple[Archive, list[Record]],
) -> None:
    archive, records = world
    checked = 0
    with archive.db.read() as s:
        for user in _principals(records):
            listed = set(s.scalars(select(Record.id).where(record_filter(user))).all())
            decided = {r.id for r in records if can_read(user, r)}
            assert listed == decided, user.username
            bare = user.without_grants()
            granted = {g.record_id for g in user.grants}
            for r in records:
                lendable = user.sees_records and r.id in granted and r.security_rank <= user.clearance.rank
                assert can_read(user, r) == (can_read(bare, r) or lendable), (user.username, r.security_level)
                by_download = lendable and any(g.download for g in user.grants)
                assert can_download(user, r) == (can_read(bare, r) or by_download), user.username
                if lendable and any(g.unmask for g in user.grants):
                    assert not should_mask(user, r)
                elif not can_read(bare, r):
                    assert should_mask(user, r)
                checked += 1
            if user.role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
                assert listed == set(), user.username
    assert checked == 8 * 3 * 2 * 4 * len(records)


def test_counts_pages_and_files_agree_for_granted_users(world: tuple[Archive, list[Record]]) -> None:
    archive, records = world
    absent = None
    with pytest.raises(NotFound) as missing:
        record_for(archive, Principal("x", Role.READER), MISSING)
    absent = (missing.value.status, missing.value.code, missing.value.message)
    for role in (Role.READER, Role.CLERK, Role.PUBLIC, Role.SECADMIN):
        for kind in ("view", "download"):
            user = Principal(
                f"m-{role.code}", role, DEPTS[0], SecurityLevel.INTERNAL, grants=_grants(kind, records)
            )
            readable = {r.id for r in records if can_read(user, r)}
            page = browse(archive, user, BrowseFilter(), per_page=200)
            assert {r.id for r in page.items} == readable and page.total == len(readable)
            assert overview(archive, user)["records"] == len(readable)
            for r in records:
                if r.id in readable:
                    assert record_for(archive, user, r.id).id == r.id
                    if can_download(user, r):
                        file_for(archive, user, r.id, 0, download=True)
                    else:
                        with pytest.raises(PermissionDenied):
                            file_for(archive, user, r.id, 0, download=True)
                else:
                    with pytest.raises(NotFound) as refused:
                        record_for(archive, user, r.id)
                    assert (refused.value.status, refused.value.code, refused.value.message) == absent
