"""The user manual per role and the administrator's guide, shipped with the package and shown at /help.

Content is Markdown under `content/` (one task per file, front matter naming its roles); screenshots in
`img/` are written by the browser test from the real pages, so they are as current as the last test run.
"""

from __future__ import annotations

from ._errors import ErrorHelp, error_help, help_url, known_codes
from ._markdown import to_html
from ._pages import ADMIN_GUIDE, IMG_DIR, ROLES, HelpPage, Manual, load_manual
from ._pdf import manual_pdf
from ._search import Hit, search
from ._settings_ref import MARKER, UndocumentedSetting, admin_guide, settings_reference, settings_rows

__all__ = [
    "ADMIN_GUIDE",
    "IMG_DIR",
    "MARKER",
    "ROLES",
    "ErrorHelp",
    "HelpPage",
    "Hit",
    "Manual",
    "UndocumentedSetting",
    "admin_guide",
    "error_help",
    "help_url",
    "known_codes",
    "load_manual",
    "manual_pdf",
    "search",
    "settings_reference",
    "settings_rows",
    "to_html",
]
