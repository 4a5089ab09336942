"""The sharing catalogue inside the one access policy: a clerk of department A reads B's 无条件共享
records like his own (within clearance, masked, downloads only where the rule allows), B's 有条件共享
ones only through an approved, unexpired request, and never B's 不予共享 ones — in the list filter, the
single-record decision, search (both engines, hits marked), facets, the graph and export alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dangan.access import Principal, can_download, can_read, record_filter, should_mask
from dangan.core import NotFound, PermissionDenied, load_settings, utcnow
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.graph import related
from dangan.services.intake import import_paths
from dangan.services.records import file_for, record_for
from dangan.services.share import RuleForm, export_records, retire_rule, set_rule
from dangan.services.utilisation import RequestForm, approve_request, create_request, search
from dangan.share import CONDITIONAL, FREE
from dangan.store.catalog import Record, UtilizationRequest
from tests.factories import package_dir

A, B, C = "秦皇岛市市场监督管理局", "秦皇岛市生态环境局", "秦皇岛市住房和城乡建设局"
WORD = "蓝鲸项目"
PW = "Dangan@2024"
# label: (department, matter, level)
SHAPES = {
    "a_own": (A, "食品经营许可", "内部"),
    "b_free": (B, "排污许可证核发", "内部"),
    "b_free_secret": (B, "排污许可证核发", "秘密"),
    "b_download": (B, "环境影响评价审批", "内部"),
    "b_conditional": (B, "危险废物经营许可", "内部"),
    "b_not_shared": (B, "辐射安全许可", "内部"),
}


@pytest.fixture(scope="module", params=["engine", "sql"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Archive, dict[str, Record]]]:
    tmp = tmp_path_factory.mktemp("sharing")
    for i, (label, (dept, matter, level)) in enumerate(SHAPES.items()):
        package_dir(tmp / "in", 900 + i, department=dept, matter={"code": f"M-{i}", "name": matter},
                    security_level=level, open_to_public=False, title=f"关于{WORD}{label}的审批")  # fmt: skip
    archive = open_archive(load_settings(tmp / "data", search_engine=request.param))
    try:
        report = import_paths(archive, [tmp / "in"])
        assert not report.rejected
        users: tuple[tuple[str, str, str | None, str], ...] = (
            ("clerk_a", "clerk", A, "内部"), ("head_a", "dept_head", A, "秘密"), ("clerk_c", "clerk", C, "内部"),
            ("head_b", "dept_head", B, "秘密"), ("keeper", "archivist", None, "机密"),
        )  # fmt: skip
        for name, role, home, level in users:
            add_user(archive, name, PW, role, department=home, clearance=level)
        keeper = get_principal(archive, "keeper")
        set_rule(archive, keeper, RuleForm(B, FREE, "执法协查", matter="排污许可证核发", departments=(A,)))
        set_rule(
            archive,
            keeper,
            RuleForm(B, FREE, "公开共享", matter="环境影响评价审批", to_all=True, download=True),
        )
        set_rule(
            archive, keeper, RuleForm(B, CONDITIONAL, "按申请", matter="危险废物经营许可", departments=(A,))
        )
        with archive.db.read() as s:
            by_title = {r.title: r for r in s.scalars(select(Record)).unique()}
            for r in by_title.values():
                _ = (r.department, r.matter, r.files)
        records = {
            label: next(r for t, r in by_title.items() if t.endswith(f"{label}的审批")) for label in SHAPES
        }
        yield archive, records
    finally:
        archive.close()


def _readable(archive: Archive, user: Principal, records: dict[str, Record]) -> set[str]:
    with archive.db.read() as s:
        listed = set(s.scalars(select(Record.id).where(record_filter(user))).all())
    decided = {r.id for r in records.values() if can_read(user, r)}
    assert listed == decided, user.username
    return {label for label, r in records.items() if r.id in decided}


def test_the_filter_and_the_decision_follow_the_catalogue(world: tuple[Archive, dict[str, Record]]) -> None:
    archive, records = world
    who = {n: get_principal(archive, n) for n in ("clerk_a", "head_a", "clerk_c", "head_b", "keeper")}
    assert _readable(archive, who["clerk_a"], records) == {"a_own", "b_free", "b_download"}
    assert _readable(archive, who["head_a"], records) == {"a_own", "b_free", "b_free_secret", "b_download"}
    assert _readable(archive, who["clerk_c"], records) == {"b_download"}
    assert _readable(archive, who["head_b"], records) == set(SHAPES) - {"a_own"}
    assert _readable(archive, who["keeper"], records) == set(SHAPES)
    # by role alone (what an approver may lend) nothing is shared
    assert _readable(archive, who["head_a"].without_grants(), records) == {"a_own"}


def test_shared_records_are_masked_and_downloaded_only_where_the_rule_says(
    world: tuple[Archive, dict[str, Record]],
) -> None:
    archive, records = world
    clerk, head = get_principal(archive, "clerk_a"), get_principal(archive, "head_a")
    for user in (clerk, head):
        assert should_mask(user, records["b_free"]) and should_mask(user, records["b_download"])
        assert not can_download(user, records["b_free"])
        assert can_download(user, records["b_download"])
    assert not should_mask(head, records["a_own"])
    first = records["b_free"].files[0].position
    record_for(archive, clerk, records["b_free"].id)  # the record page answers
    file_for(archive, clerk, records["b_free"].id, first)  # so does its preview
    with pytest.raises(PermissionDenied):
        file_for(archive, clerk, records["b_free"].id, first, download=True)
    file_for(archive, clerk, records["b_download"].id, records["b_download"].files[0].position, download=True)
    for label in ("b_conditional", "b_not_shared", "b_free_secret"):
        with pytest.raises(NotFound):
            record_for(archive, clerk, records[label].id)


def test_search_finds_shared_records_marked_and_facets_follow(
    world: tuple[Archive, dict[str, Record]],
) -> None:
    archive, records = world
    clerk = get_principal(archive, "clerk_a")
    result = search(archive, clerk, WORD, limit=50, facets=True, learn=False)
    marks = {h.record_id: h.as_json()["shared"] for h in result.hits}
    expected = {records["a_own"].id: None, records["b_free"].id: FREE, records["b_download"].id: FREE}
    assert marks == expected
    assert result.total == 3
    assert result.facets is not None
    departments = {
        row["key"] if "key" in row else row["label"]: row["count"] for row in result.facets["department"]
    }
    assert sum(departments.values()) == 3 and departments.get(B) == 2


def test_the_graph_follows_the_catalogue(world: tuple[Archive, dict[str, Record]]) -> None:
    archive, records = world
    clerk = get_principal(archive, "clerk_a")
    free = records["b_free"].applicant_uscc
    assert free
    doc = related(archive, clerk, free)
    assert records["b_free"].id in {rid for e in doc["edges"] for rid in e["records"]}
    hidden = records["b_not_shared"].applicant_uscc
    assert hidden and hidden != free
    with pytest.raises(NotFound):
        related(archive, clerk, hidden)


def test_export_answers_exactly_as_the_rule_allows(
    world: tuple[Archive, dict[str, Record]], tmp_path: Path
) -> None:
    archive, records = world
    clerk = get_principal(archive, "clerk_a")
    for label, code in (("b_not_shared", "export_not_found"), ("b_free", "download_not_granted")):
        with pytest.raises(PermissionDenied) as err:
            export_records(archive, clerk, tmp_path / f"{label}.zip", record_ids=[records[label].id])
        assert [p.code for p in err.value.problems] == [code]
        assert not (tmp_path / f"{label}.zip").exists()


def test_a_conditional_record_needs_an_approved_unexpired_request(
    world: tuple[Archive, dict[str, Record]],
) -> None:
    archive, records = world
    target = records["b_conditional"]
    clerk = get_principal(archive, "clerk_a")
    assert not can_read(clerk, target)
    req = create_request(archive, clerk, RequestForm("跨部门执法协查", codes=(target.archival_code,), days=5))
    approve_request(archive, get_principal(archive, "head_b"), req.id, days=3)
    clerk = get_principal(archive, "clerk_a")
    assert can_read(clerk, target) and should_mask(clerk, target) and not can_download(clerk, target)
    hits = {h.record_id: h.shared for h in search(archive, clerk, WORD, limit=50, learn=False).hits}
    assert hits[target.id] == CONDITIONAL
    with archive.db.write() as s:
        s.execute(update(UtilizationRequest).where(UtilizationRequest.id == req.id)
                  .values(expires_at=utcnow() - timedelta(minutes=1)))  # fmt: skip
    clerk = get_principal(archive, "clerk_a")
    assert not can_read(clerk, target)
    assert target.id not in {h.record_id for h in search(archive, clerk, WORD, limit=50, learn=False).hits}


def test_retiring_a_rule_closes_its_records_on_the_next_request(
    world: tuple[Archive, dict[str, Record]],
) -> None:
    archive, records = world
    keeper = get_principal(archive, "keeper")
    clerk_c = get_principal(archive, "clerk_c")
    assert can_read(clerk_c, records["b_download"])
    rule = set_rule(
        archive, keeper, RuleForm(B, FREE, "仅限甲局", matter="环境影响评价审批", departments=(A,))
    )
    assert not can_read(get_principal(archive, "clerk_c"), records["b_download"])
    assert not can_download(get_principal(archive, "clerk_a"), records["b_download"])
    retire_rule(archive, keeper, rule.id, "停止共享")
    assert not can_read(get_principal(archive, "clerk_a"), records["b_download"])
    set_rule(
        archive, keeper, RuleForm(B, FREE, "恢复", matter="环境影响评价审批", to_all=True, download=True)
    )
