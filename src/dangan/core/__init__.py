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
from dangan.core.settings import DEFAULT_ARCHIVAL_CODE_RULE, Settings, load_settings

__all__ = [
    "BEIJING",
    "DEFAULT_ARCHIVAL_CODE_RULE",
    "DEFAULT_ZONE",
    "PDFIUM",
    "AuthenticationFailed",
    "ConfigurationError",
    "Conflict",
    "DanganError",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "ProblemList",
    "Settings",
    "ValidationFailed",
    "archive_zone",
    "as_local",
    "load_settings",
    "local_text",
    "new_id",
    "plain_message",
    "utcnow",
    "zone_label",
]
