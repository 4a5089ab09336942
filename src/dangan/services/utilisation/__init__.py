"""Using the archive: search, delivering files (preview, download, redaction, watermark) and
utilisation requests with their approval."""

from dangan.services.utilisation._delivery import (
    Delivery,
    FileKind,
    Preview,
    download_file,
    download_preservation_copy,
    file_kind,
    image_png,
    is_public,
    page_png,
    preview_file,
)
from dangan.services.utilisation._engine_search import reindex
from dangan.services.utilisation._evaluate import evaluate, read_judged
from dangan.services.utilisation._facets import FACETS
from dangan.services.utilisation._learning import log_click, log_search
from dangan.services.utilisation._page_cache import forget_pages
from dangan.services.utilisation._progress import (
    ApplicationProgress,
    ProgressLimits,
    TooManyLookups,
    lookup_progress,
)
from dangan.services.utilisation._requests import (
    SCOPE_LABELS,
    QueueEntry,
    RequestForm,
    approval_queue,
    approve_request,
    awaiting_count,
    create_request,
    get_request,
    granted_by_me,
    my_requests,
    reject_request,
    request_json,
    request_state,
    revoke_request,
    sharing_types,
)
from dangan.services.utilisation._results import SearchHit, SearchResult
from dangan.services.utilisation._search import SORTS, clean_query, search
from dangan.services.utilisation._synonyms import (
    SOURCE_ARCHIVE,
    SOURCE_SHIPPED,
    SYNONYM_KIND_LABELS,
    SynonymEntry,
    list_synonyms,
    remove_synonym,
    require_synonym_editor,
    set_synonym,
    synonym_kind,
)

__all__ = [
    "FACETS",
    "SCOPE_LABELS",
    "SORTS",
    "SOURCE_ARCHIVE",
    "SOURCE_SHIPPED",
    "SYNONYM_KIND_LABELS",
    "ApplicationProgress",
    "Delivery",
    "FileKind",
    "Preview",
    "ProgressLimits",
    "QueueEntry",
    "RequestForm",
    "SearchHit",
    "SearchResult",
    "SynonymEntry",
    "TooManyLookups",
    "approval_queue",
    "approve_request",
    "awaiting_count",
    "clean_query",
    "create_request",
    "download_file",
    "download_preservation_copy",
    "evaluate",
    "file_kind",
    "forget_pages",
    "get_request",
    "granted_by_me",
    "image_png",
    "is_public",
    "list_synonyms",
    "log_click",
    "log_search",
    "lookup_progress",
    "my_requests",
    "page_png",
    "preview_file",
    "read_judged",
    "reindex",
    "reject_request",
    "remove_synonym",
    "request_json",
    "request_state",
    "require_synonym_editor",
    "revoke_request",
    "search",
    "set_synonym",
    "sharing_types",
    "synonym_kind",
]
