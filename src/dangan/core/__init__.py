"""Settings, errors, ids and the clock: the bottom of the house, importing nothing of ours."""

from dangan.core.clock import utcnow
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
)
from dangan.core.ids import new_id
from dangan.core.locks import PDFIUM
from dangan.core.settings import DEFAULT_ARCHIVAL_CODE_RULE, Settings, get_settings, load_settings

__all__ = [
    "DEFAULT_ARCHIVAL_CODE_RULE",
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
    "get_settings",
    "load_settings",
    "new_id",
    "utcnow",
]
