"""Retention arithmetic, appraisal and disposal rules, legal holds: pure rules the lifecycle services
ask before they change anything, and the one question about shared stored objects that both disposal
and ingest must answer alike."""

from dangan.lifecycle._policy import DEFAULT_CHAIN, LifecyclePolicy
from dangan.lifecycle._references import (
    ObjectRef,
    disposed_objects,
    live_records,
    referrers,
    restore_disposed,
)
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
    "ObjectRef",
    "RecordState",
    "approval_problem",
    "destroy_problems",
    "disposed_objects",
    "expires_on",
    "hold_reason_problem",
    "is_due",
    "keep_problems",
    "live_records",
    "next_step",
    "period_years",
    "referrers",
    "refuse_if_destroyed",
    "restore_disposed",
    "retention_start",
    "witness_problems",
    "years_kept",
]
