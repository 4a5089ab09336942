"""Retention arithmetic, appraisal and disposal rules, legal holds: pure rules the lifecycle services
ask before they change anything."""

from dangan.lifecycle._policy import DEFAULT_CHAIN, LifecyclePolicy
from dangan.lifecycle._retention import (
    START_DECISION,
    START_NEXT_YEAR,
    Expiry,
    expires_on,
    is_due,
    period_years,
    retention_start,
    years_kept,
)
from dangan.lifecycle._rules import (
    DESTROY,
    KEEP,
    Approval,
    BatchStatus,
    Candidate,
    ContentDestroyed,
    RecordState,
    approval_problem,
    destroy_problems,
    hold_reason_problem,
    keep_problems,
    next_step,
    refuse_if_destroyed,
    witness_problems,
)

__all__ = [
    "DEFAULT_CHAIN",
    "DESTROY",
    "KEEP",
    "START_DECISION",
    "START_NEXT_YEAR",
    "Approval",
    "BatchStatus",
    "Candidate",
    "ContentDestroyed",
    "Expiry",
    "LifecyclePolicy",
    "RecordState",
    "approval_problem",
    "destroy_problems",
    "expires_on",
    "hold_reason_problem",
    "is_due",
    "keep_problems",
    "next_step",
    "period_years",
    "refuse_if_destroyed",
    "retention_start",
    "witness_problems",
    "years_kept",
]
