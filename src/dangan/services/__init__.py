"""Use cases: the only place that coordinates several packages in one unit of work."""

from dangan.services.apikeys import (
    ApiKeyInfo,
    authenticate_api_key,
    create_api_key,
    list_api_keys,
    may_manage_api_keys,
    revoke_api_key,
)
from dangan.services.archive import Archive, open_archive
from dangan.services.audit import log_access
from dangan.services.backup import (
    BackupInfo,
    BackupInvalid,
    backup,
    catalogue_fingerprint,
    restore,
    verify_backup,
)
from dangan.services.bags import check_bag
from dangan.services.check_export import quarantine_report_xlsx, record_report_xlsx, report_xlsx
from dangan.services.checks import check_package, check_path, report_for_record, set_matter_rule
from dangan.services.demo import DEMO_PASSWORD, DemoAccount, demo_accounts, ensure_demo_accounts, load_demo
from dangan.services.fixity import FixityReport, ledger_summary
from dangan.services.fixity import audit as audit_fixity
from dangan.services.importer import ImportReport, import_one, import_paths
from dangan.services.ingest import IngestOutcome, fingerprint, ingest_package
from dangan.services.ingest_pool import IngestUnavailable, ingest_workers
from dangan.services.intake import (
    WEB_SOURCE_SYSTEM,
    case_from_form,
    early_scope_check,
    form_choices,
    may_upload,
    new_upload_token,
    push_case,
    upload_case,
)
from dangan.services.keys import rotate_master_key
from dangan.services.ledger import (
    LedgerError,
    ledger_proof,
    ledger_public_keys,
    make_checkpoint,
    record_event,
)
from dangan.services.ledger_verify import verify_ledger
from dangan.services.quarantine import (
    QuarantineView,
    count_held,
    list_quarantine,
    quarantine_entry,
    return_to_department,
)
from dangan.services.quarantine_fix import (
    edit_quarantined_case,
    quarantined_case_text,
    replace_quarantined_file,
)
from dangan.services.receive import (
    ReceivedUpload,
    UploadReceiver,
    UploadTooLarge,
    sweep_stale_uploads,
    too_large,
)
from dangan.services.recheck import recheck_quarantined
from dangan.services.records import (
    BrowseFilter,
    FileContent,
    Page,
    browse,
    facets,
    file_for,
    overview,
    record_for,
)
from dangan.services.search import SearchHit, SearchResult, search
from dangan.services.users import add_user, authenticate, get_principal, principal_of
from dangan.services.watch import DropResult, DropWatcher, drop_lock, watching

__all__ = [
    "DEMO_PASSWORD",
    "WEB_SOURCE_SYSTEM",
    "ApiKeyInfo",
    "Archive",
    "BackupInfo",
    "BackupInvalid",
    "BrowseFilter",
    "DemoAccount",
    "DropResult",
    "DropWatcher",
    "FileContent",
    "FixityReport",
    "ImportReport",
    "IngestOutcome",
    "IngestUnavailable",
    "LedgerError",
    "Page",
    "QuarantineView",
    "ReceivedUpload",
    "SearchHit",
    "SearchResult",
    "UploadReceiver",
    "UploadTooLarge",
    "add_user",
    "audit_fixity",
    "authenticate",
    "authenticate_api_key",
    "backup",
    "browse",
    "case_from_form",
    "catalogue_fingerprint",
    "check_bag",
    "check_package",
    "check_path",
    "count_held",
    "create_api_key",
    "demo_accounts",
    "drop_lock",
    "early_scope_check",
    "edit_quarantined_case",
    "ensure_demo_accounts",
    "facets",
    "file_for",
    "fingerprint",
    "form_choices",
    "get_principal",
    "import_one",
    "import_paths",
    "ingest_package",
    "ingest_workers",
    "ledger_proof",
    "ledger_public_keys",
    "ledger_summary",
    "list_api_keys",
    "list_quarantine",
    "load_demo",
    "log_access",
    "make_checkpoint",
    "may_manage_api_keys",
    "may_upload",
    "new_upload_token",
    "open_archive",
    "overview",
    "principal_of",
    "push_case",
    "quarantine_entry",
    "quarantine_report_xlsx",
    "quarantined_case_text",
    "recheck_quarantined",
    "record_event",
    "record_for",
    "record_report_xlsx",
    "replace_quarantined_file",
    "report_for_record",
    "report_xlsx",
    "restore",
    "return_to_department",
    "revoke_api_key",
    "rotate_master_key",
    "search",
    "set_matter_rule",
    "sweep_stale_uploads",
    "too_large",
    "upload_case",
    "verify_backup",
    "verify_ledger",
    "watching",
]
