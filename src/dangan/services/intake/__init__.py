"""Every way a case comes in (API, web upload, folders, ZIP, BagIt, a watched folder), the ingest unit of
work, re-checks of quarantined cases, and the demo archive."""

from dangan.services.intake._bags import check_bag
from dangan.services.intake._channels import (
    WEB_SOURCE_SYSTEM,
    case_from_form,
    early_scope_check,
    form_choices,
    may_upload,
    new_upload_token,
    push_case,
    require_uploader,
    upload_case,
)
from dangan.services.intake._demo import (
    DEMO_PASSWORD,
    DemoAccount,
    demo_accounts,
    ensure_demo_accounts,
    load_demo,
)
from dangan.services.intake._importer import ImportReport, import_one, import_paths
from dangan.services.intake._ingest import IngestOutcome, fingerprint, ingest_package
from dangan.services.intake._ingest_pool import IngestUnavailable, ingest_workers
from dangan.services.intake._package_upload import upload_packages
from dangan.services.intake._receive import (
    ReceivedUpload,
    UploadReceiver,
    UploadTooLarge,
    sweep_stale_uploads,
    too_large,
)
from dangan.services.intake._recheck import recheck_quarantined
from dangan.services.intake._watch import DropResult, DropWatcher, drop_lock, watching

__all__ = [
    "DEMO_PASSWORD",
    "WEB_SOURCE_SYSTEM",
    "DemoAccount",
    "DropResult",
    "DropWatcher",
    "ImportReport",
    "IngestOutcome",
    "IngestUnavailable",
    "ReceivedUpload",
    "UploadReceiver",
    "UploadTooLarge",
    "case_from_form",
    "check_bag",
    "demo_accounts",
    "drop_lock",
    "early_scope_check",
    "ensure_demo_accounts",
    "fingerprint",
    "form_choices",
    "import_one",
    "import_paths",
    "ingest_package",
    "ingest_workers",
    "load_demo",
    "may_upload",
    "new_upload_token",
    "push_case",
    "recheck_quarantined",
    "require_uploader",
    "sweep_stale_uploads",
    "too_large",
    "upload_case",
    "upload_packages",
    "watching",
]
