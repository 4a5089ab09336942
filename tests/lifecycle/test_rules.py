"""Retention arithmetic, the lifecycle settings and the appraisal / approval / hold rules (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from dangan.core import ConfigurationError
from dangan.lifecycle import (
    START_DECISION,
    Approval,
    BatchStatus,
    Candidate,
    ContentDestroyed,
    Expiry,
    LifecyclePolicy,
    RecordState,
    approval_problem,
    destroy_problems,
    expires_on,
    keep_problems,
    refuse_if_destroyed,
    retention_start,
    witness_problems,
    years_kept,
)


def test_period_starts_on_1_january_after_the_decision_and_ends_on_31_december() -> None:
    assert retention_start(date(2013, 5, 10)) == date(2014, 1, 1)
    assert expires_on(date(2013, 5, 10), "10年") == date(2023, 12, 31)
    assert expires_on(date(2013, 12, 31), "30年") == date(2043, 12, 31)
    assert expires_on(date(2013, 5, 10), "永久") is None


def test_a_matter_may_count_from_the_decision_date() -> None:
    assert expires_on(date(2013, 5, 10), "10年", START_DECISION) == date(2023, 5, 9)
    assert expires_on(date(2012, 2, 29), "10年", START_DECISION) == date(2022, 2, 27)


def test_years_kept_counts_whole_years_from_the_start() -> None:
    assert years_kept(date(2013, 5, 10), date(2024, 1, 1)) == 10
    assert years_kept(date(2013, 5, 10), date(2023, 12, 31)) == 9
    assert years_kept(date(2013, 5, 10), date(2013, 6, 1)) == 0


def test_unknown_retention_is_refused() -> None:
    with pytest.raises(ValueError):
        expires_on(date(2013, 5, 10), "5年")


def test_policy_from_settings_and_bad_values() -> None:
    policy = LifecyclePolicy.from_settings(
        {
            "approval_chain": [["dept_head"], "archivist"],
            "matters": {"食品经营许可": {"retention_start": "decision"}},
        }
    )
    assert policy.approval_chain == (("dept_head",), ("archivist",))
    assert policy.start_rule("食品经营许可") == START_DECISION
    assert policy.start_rule("别的事项") == "next_year"
    assert LifecyclePolicy.from_settings(None).approval_chain == (("archivist", "dept_head"),) * 2
    with pytest.raises(ConfigurationError, match="approval_chain"):
        LifecyclePolicy.from_settings({"approval_chain": [["boss"]]})
    with pytest.raises(ConfigurationError, match="retention_start"):
        LifecyclePolicy.from_settings({"retention_start": "tomorrow"})


def _candidate(**kw: object) -> Candidate:
    base: dict[str, object] = {
        "record_id": "R1",
        "archival_code": "Z001-2013-D10-X-0001",
        "expiry": Expiry("10年", date(2013, 5, 10), "next_year"),
    }
    return Candidate(**(base | kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "on", "codes"),
    [
        ({}, date(2023, 12, 31), []),
        ({}, date(2023, 12, 30), ["not_due"]),
        ({"expiry": Expiry("永久", date(2000, 1, 1), "next_year")}, date(2099, 1, 1), ["permanent"]),
        ({"on_hold": True}, date(2024, 6, 1), ["on_hold"]),
        ({"in_open_batch": True}, date(2024, 6, 1), ["in_batch"]),
        ({"shared_with": ("Z001-2020-D30-X-0002",)}, date(2024, 6, 1), ["shared_content"]),
        ({"state": RecordState.DESTROYED, "on_hold": True}, date(2024, 6, 1), ["already_destroyed"]),
    ],
)
def test_destroy_problems(kw: dict[str, object], on: date, codes: list[str]) -> None:
    found = destroy_problems(_candidate(**kw), on)
    assert [p.code for p in found] == codes
    assert all(p.message and p.field == "R1" for p in found)


def test_keep_needs_a_known_period_and_a_reason() -> None:
    assert keep_problems(_candidate(), "30年", "仍有查考价值") == []
    assert [p.code for p in keep_problems(_candidate(), "5年", "")] == ["bad_retention", "reason_required"]


CHAIN = (("archivist", "dept_head"), ("archivist", "dept_head"))


@pytest.mark.parametrize(
    ("approvals", "status", "who", "code"),
    [
        ([], BatchStatus.PENDING, Approval("b", "archivist"), None),
        ([], BatchStatus.PENDING, Approval("a", "archivist"), "proposer_cannot_approve"),
        ([Approval("b", "archivist")], BatchStatus.PENDING, Approval("b", "archivist"), "already_approved"),
        ([], BatchStatus.PENDING, Approval("c", "clerk"), "role_not_in_chain"),
        ([Approval("b", "archivist")], BatchStatus.PENDING, Approval("c", "dept_head"), None),
        ([], BatchStatus.APPROVED, Approval("b", "archivist"), "not_pending"),
    ],
)
def test_approval_chain(approvals: list[Approval], status: str, who: Approval, code: str | None) -> None:
    problem = approval_problem(CHAIN, approvals, "a", status, who)
    assert (problem.code if problem else None) == code


def test_two_different_witnesses_are_required() -> None:
    assert witness_problems(["张三", "李四"]) == []
    assert witness_problems(["张三", "张三"])
    assert witness_problems(["张三", " "])


def test_destroyed_content_is_gone_with_410() -> None:
    refuse_if_destroyed(None, "X")
    for state in RecordState.GONE:
        with pytest.raises(ContentDestroyed) as caught:
            refuse_if_destroyed(state, "Z001-1")
        assert caught.value.status == 410 and "销毁" in caught.value.message
