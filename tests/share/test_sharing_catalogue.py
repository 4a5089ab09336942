"""The sharing catalogue (共享目录): precedence of its rules, who may edit it, and that every change is a
version row and a ledger event, with bad input refused and nothing written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dangan.access import SHARE_CONDITIONAL, SHARE_FREE, SHARE_NONE, Principal, Role
from dangan.core import Conflict, PermissionDenied, ValidationFailed
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.share import (
    RuleForm,
    catalogue_revision,
    find_rule,
    list_rules,
    retire_rule,
    rule_history,
    set_rule,
)
from dangan.share import CONDITIONAL, FREE, NOT_SHARED, checked_rule, rule_for, sharing_kind, view_for
from dangan.store.catalog import Event, SharingRuleVersion

A, B, C = "甲局", "乙局", "丙局"
KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
CLERK = Principal("clerk", Role.CLERK, department=A, clearance=SecurityLevel.INTERNAL)


def test_the_policy_and_the_rules_name_the_same_kinds() -> None:
    assert (FREE, CONDITIONAL, NOT_SHARED) == (SHARE_FREE, SHARE_CONDITIONAL, SHARE_NONE)


def test_the_most_specific_rule_decides_and_a_matter_beats_a_level() -> None:
    rules = [
        checked_rule(B, kind=FREE, to_all=True),
        checked_rule(B, security_level="秘密", kind=CONDITIONAL, departments=[A]),
        checked_rule(B, "排污许可", kind=CONDITIONAL, departments=[A, C]),
        checked_rule(B, "排污许可", "机密", kind=NOT_SHARED),
    ]
    assert sharing_kind(rules, A, B, "取水许可", "内部") == FREE  # the department's rule
    assert sharing_kind(rules, A, B, "取水许可", "秘密") == CONDITIONAL  # the level's
    assert sharing_kind(rules, C, B, "取水许可", "秘密") == NOT_SHARED  # the level's rule names only A
    assert sharing_kind(rules, A, B, "排污许可", "秘密") == CONDITIONAL  # the matter beats the level
    assert sharing_kind(rules, A, B, "排污许可", "机密") == NOT_SHARED  # matter × level beats all
    assert sharing_kind(rules, A, C, "排污许可", "内部") == NOT_SHARED  # no rule for C: not shared
    assert sharing_kind(rules, B, B, "取水许可", "内部") == NOT_SHARED  # own records are not "shared"
    rule = rule_for(rules, B, "排污许可", "公开")
    assert rule is not None and rule.category.matter == "排污许可" and rule.category.security_level == ""


def test_the_view_of_a_department_lists_the_narrower_rules_that_decide_for_themselves() -> None:
    rules = [
        checked_rule(B, kind=FREE, to_all=True, download=True),
        checked_rule(B, "排污许可", kind=NOT_SHARED),
        checked_rule(B, security_level="秘密", kind=CONDITIONAL, departments=[C]),
        checked_rule(C, "取水许可", kind=FREE, departments=[B]),
    ]
    view = {
        (v.category.department, v.category.matter, v.category.security_level): v for v in view_for(rules, A)
    }
    assert set(view) == {(B, "", "")}
    whole = view[(B, "", "")]
    assert whole.kind == FREE and whole.download
    assert set(whole.unless) == {("排污许可", ""), ("", "秘密")}
    # every (matter, level) of B is decided exactly as `sharing_kind` decides it
    for matter in ("排污许可", "取水许可"):
        for level in ("公开", "内部", "秘密"):
            covered = [
                v for v in view.values()
                if v.category.matter in ("", matter) and v.category.security_level in ("", level)
                and not any(m in ("", matter) and lv in ("", level) for m, lv in v.unless)
            ]  # fmt: skip
            kind = covered[0].kind if covered else NOT_SHARED
            assert len(covered) <= 1
            assert kind == sharing_kind(rules, A, B, matter, level), (matter, level)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"department": "", "kind": FREE, "to_all": True}, "department_required"),
        ({"department": B, "kind": "随便共享", "to_all": True}, "invalid_sharing_kind"),
        ({"department": B, "kind": FREE}, "departments_required"),
        ({"department": B, "kind": FREE, "security_level": "绝密级"}, "invalid_level"),
        ({"department": B, "kind": FREE, "departments": [B]}, "self_shared"),
    ],
)
def test_bad_rules_are_refused_in_chinese(kwargs: dict[str, object], code: str) -> None:
    dept = str(kwargs.pop("department"))
    with pytest.raises(ValidationFailed) as err:
        checked_rule(dept, **kwargs)  # type: ignore[arg-type]
    assert err.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def _events(archive: Archive, kind: str) -> list[Event]:
    with archive.db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_every_change_is_a_version_and_a_ledger_event(archive: Archive) -> None:
    first = set_rule(archive, KEEPER, RuleForm(B, FREE, "首次共享", matter="排污许可", departments=(A,)))
    assert first.version == 1 and not first.retired
    second = set_rule(
        archive, KEEPER,
        RuleForm(B, CONDITIONAL, "改为有条件", matter="排污许可", departments=(A, C), conditions="仅限执法"),
    )  # fmt: skip
    assert second.id == first.id and second.version == 2 and second.kind == CONDITIONAL
    retired = retire_rule(archive, KEEPER, first.id, "事项取消")
    assert retired.retired and retired.version == 3
    rule, versions = rule_history(archive, KEEPER, first.id)
    assert rule.retired
    assert [v.version for v in versions] == [3, 2, 1]
    assert [v.reason for v in versions] == ["事项取消", "改为有条件", "首次共享"]
    assert versions[1].departments == [A, C] and versions[1].conditions == "仅限执法"
    assert all(v.changed_by == "keeper" for v in versions)
    assert catalogue_revision(archive) == versions[0].id
    sets, retires = _events(archive, "sharing_rule_set"), _events(archive, "sharing_rule_retire")
    assert [e.detail["version"] for e in sets] == [1, 2] and [e.detail["kind"] for e in sets] == [
        FREE,
        CONDITIONAL,
    ]
    assert retires[0].detail["rule_id"] == first.id and retires[0].detail["retired"] is True
    assert list_rules(archive, KEEPER)[1] == 0
    rows, total = list_rules(archive, KEEPER, include_retired=True)
    assert total == 1 and rows[0].id == first.id
    with pytest.raises(Conflict):
        retire_rule(archive, KEEPER, first.id, "再停一次")
    revived = set_rule(archive, KEEPER, RuleForm(B, FREE, "恢复", matter="排污许可", to_all=True))
    assert revived.id == first.id and revived.version == 4 and not revived.retired
    assert find_rule(archive, KEEPER, B, "排污许可").version == 4


def test_refused_changes_write_nothing(archive: Archive) -> None:
    set_rule(archive, KEEPER, RuleForm(B, FREE, "首次共享", departments=(A,)))
    before = catalogue_revision(archive)
    with pytest.raises(ValidationFailed) as same:
        set_rule(archive, KEEPER, RuleForm(B, FREE, "再来一次", departments=(A,)))
    assert same.value.code == "rule_unchanged"
    with pytest.raises(ValidationFailed) as reason:
        set_rule(archive, KEEPER, RuleForm(B, NOT_SHARED, " "))
    assert reason.value.code == "reason_required"
    for user in (CLERK, Principal("sec", Role.SECADMIN, clearance=SecurityLevel.CONFIDENTIAL)):
        with pytest.raises(PermissionDenied):
            set_rule(archive, user, RuleForm(B, NOT_SHARED, "越权修改"))
    with pytest.raises(PermissionDenied):
        list_rules(archive, Principal("sec", Role.SECADMIN))
    assert list_rules(archive, CLERK)[1] == 1  # a department's staff may read the catalogue
    with archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(SharingRuleVersion)) == 1
    assert catalogue_revision(archive) == before
    assert len(_events(archive, "sharing_rule_set")) == 1


def test_the_cli_sets_lists_retires_and_shows_history(archive: Archive) -> None:
    from dangan.services.accounts import add_user
    from tests.cli.invoke import invoke

    add_user(archive, "keeper", "Dangan@2024", "archivist", clearance="秘密")
    add_user(archive, "clerk", "Dangan@2024", "clerk", department=A)
    data = ["--data", str(archive.settings.home)]
    archive.close()  # the command opens the archive itself
    made = invoke("share", "rule", "set", B, "--matter", "排污许可", "--type", "free", "--to", A, "--to", C,
                  "--reason", "执法协查", "--as", "keeper", "--json", *data)  # fmt: skip
    assert made.returncode == 0, made.stderr
    rule = json.loads(made.stdout)
    assert rule["kind"] == FREE and rule["departments"] == [A, C] and rule["version"] == 1
    listed = json.loads(invoke("share", "rule", "list", "--as", "clerk", "--json", *data).stdout)
    assert listed["total"] == 1 and listed["revision"] >= 1 and listed["rules"][0]["id"] == rule["id"]
    refused = invoke("share", "rule", "set", B, "--type", "none", "--reason", "越权", "--as", "clerk", *data)
    assert refused.returncode == 1 and "档案管理员" in refused.stderr
    bad = invoke("share", "rule", "set", B, "--type", "大概共享", "--reason", "错", "--as", "keeper", *data)
    assert bad.returncode == 2
    no_user = invoke("share", "rule", "list", "--json", *data)
    assert no_user.returncode == 2 and no_user.stdout == ""
    gone = invoke("share", "rule", "retire", B, "--matter", "排污许可", "--reason", "停止", "--as", "keeper",
                  "--json", *data)  # fmt: skip
    assert gone.returncode == 0 and json.loads(gone.stdout)["retired"] is True
    history = json.loads(
        invoke(
            "share", "rule", "history", B, "--matter", "排污许可", "--as", "keeper", "--json", *data
        ).stdout
    )
    assert [v["version"] for v in history["versions"]] == [2, 1]
    assert history["versions"][0]["retired"] and history["versions"][1]["reason"] == "执法协查"
