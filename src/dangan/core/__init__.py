"""Settings, errors, ids and the clock: the bottom of the house, importing nothing of ours."""

from dangan.core.clock import BEIJING, DEFAULT_ZONE, archive_zone, as_local, local_text, utcnow, zone_label
from dangan.core.errors import (
    AuthenticationFailed,
    ConfigurationError,
    Conflict,
    DanganError,
    NotFound,
    PermissionDenied,
    Problem,
    ProblemList,
    ValidationFailed,
    plain_message,
)
from dangan.core.ids import new_id
from dangan.core.locks import PDFIUM
from dangan.core.logging import (
    REQUEST_ID_HEADER,
    LogFormat,
    acceptable_request_id,
    configure_logging,
    current_request_id,
    new_request_id,
    request_id_context,
)
from dangan.core.runtime import die_with_parent, limit_malloc_arenas
from dangan.core.settings import DEFAULT_ARCHIVAL_CODE_RULE, Settings, load_settings

__all__ = [
    "BEIJING",
    "DEFAULT_ARCHIVAL_CODE_RULE",
    "DEFAULT_ZONE",
    "PDFIUM",
    "REQUEST_ID_HEADER",
    "AuthenticationFailed",
    "ConfigurationError",
    "Conflict",
    "DanganError",
    "LogFormat",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "ProblemList",
    "Settings",
    "ValidationFailed",
    "acceptable_request_id",
    "archive_zone",
    "as_local",
    "configure_logging",
    "current_request_id",
    "die_with_parent",
    "limit_malloc_arenas",
    "load_settings",
    "local_text",
    "new_id",
    "new_request_id",
    "plain_message",
    "request_id_context",
    "utcnow",
    "zone_label",
]
