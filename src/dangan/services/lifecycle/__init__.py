"""Retention expiry, appraisal (鉴定), approval, disposal (销毁) with its register, and legal holds."""

from dangan.services.lifecycle._batches import (
    Keep,
    approve,
    batch_json,
    get_batch,
    list_batches,
    propose,
    reject,
)
from dangan.services.lifecycle._due import DueRecord, due_records
from dangan.services.lifecycle._execute import Execution, execute, finish_batch, resume_disposals
from dangan.services.lifecycle._holds import HoldView, add_hold, holds_of, remove_hold
from dangan.services.lifecycle._jobs import RESUME as DISPOSAL_RESUME
from dangan.services.lifecycle._register import (
    appraisal_report_pdf,
    entry_json,
    register_csv,
    register_entries,
    register_pdf,
    register_xlsx,
)
from dangan.services.lifecycle._views import (
    RETENTIONS,
    DueFilter,
    RecordLifecycle,
    active_holds,
    due_page,
    may_appraise,
    may_execute,
    record_lifecycle,
    require_appraiser,
)
from dangan.store.catalog import DisposalBatch as DisposalBatch

__all__ = [
    "DISPOSAL_RESUME",
    "RETENTIONS",
    "DisposalBatch",
    "DueFilter",
    "DueRecord",
    "Execution",
    "HoldView",
    "Keep",
    "RecordLifecycle",
    "active_holds",
    "add_hold",
    "appraisal_report_pdf",
    "approve",
    "batch_json",
    "due_page",
    "due_records",
    "entry_json",
    "execute",
    "finish_batch",
    "get_batch",
    "holds_of",
    "list_batches",
    "may_appraise",
    "may_execute",
    "propose",
    "record_lifecycle",
    "register_csv",
    "register_entries",
    "register_pdf",
    "register_xlsx",
    "reject",
    "remove_hold",
    "require_appraiser",
    "resume_disposals",
]
