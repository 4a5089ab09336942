"""Keeping what is stored readable and provably unchanged: PDF/A preservation copies, fixity audits and
their schedule, ledger verification, backup and restore, master-key rotation."""

from dangan.services.preservation._backup import (
    BackupInfo,
    BackupInvalid,
    backup,
    catalogue_fingerprint,
    restore,
    verify_backup,
)
from dangan.services.preservation._fixity import FixityReport, audit_fixity, ledger_summary
from dangan.services.preservation._job_process import (
    GRACE_S,
    JOB_NICE,
    JobProcess,
    child_settings,
    lower_priority,
    serve_jobs,
)
from dangan.services.preservation._jobs import (
    ALERT_KIND,
    Jobs,
    add_tasks,
    raise_alerts,
    run_audit,
    worker_lock,
)
from dangan.services.preservation._keys import rotate_master_key
from dangan.services.preservation._ledger_verify import verify_ledger
from dangan.services.preservation._preserve import (
    PreserveItem,
    PreserveSummary,
    ingest_formats,
    pending_count,
    preservation_copies,
    preservation_copy_for,
    preservation_policy,
    preserve,
)

__all__ = [
    "ALERT_KIND",
    "GRACE_S",
    "JOB_NICE",
    "BackupInfo",
    "BackupInvalid",
    "FixityReport",
    "JobProcess",
    "Jobs",
    "PreserveItem",
    "PreserveSummary",
    "add_tasks",
    "audit_fixity",
    "backup",
    "catalogue_fingerprint",
    "child_settings",
    "ingest_formats",
    "ledger_summary",
    "lower_priority",
    "pending_count",
    "preservation_copies",
    "preservation_copy_for",
    "preservation_policy",
    "preserve",
    "raise_alerts",
    "restore",
    "rotate_master_key",
    "run_audit",
    "serve_jobs",
    "verify_backup",
    "verify_ledger",
    "worker_lock",
]
