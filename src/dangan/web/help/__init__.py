"""The user manual per role and the administrator's guide, shipped with the package and shown at /help.

Content is Markdown under `content/` (one task per file, front matter naming its roles); screenshots in
`img/` are written by the browser test from the real pages, so they are as current as the last test run.
"""

from __future__ import annotations

from ._checks import CheckHelp, check_help, check_help_all
from ._errors import ErrorHelp, error_help, help_url, known_codes, parse_errors
from ._markdown import anchors, to_html
from ._pages import ADMIN_GUIDE, GLOSSARY, IMG_DIR, ROLES, HelpPage, Manual, load_manual
from ._pdf import manual_pdf
from ._search import Hit, search
from ._settings_ref import MARKER, UndocumentedSetting, admin_guide, settings_reference, settings_rows
from ._tours import TourStep, load_tours, parse_tours, tour_for

__all__ = [
    "ADMIN_GUIDE",
    "GLOSSARY",
    "IMG_DIR",
    "MARKER",
    "ROLES",
    "CheckHelp",
    "ErrorHelp",
    "HelpPage",
    "Hit",
    "Manual",
    "TourStep",
    "UndocumentedSetting",
    "admin_guide",
    "anchors",
    "check_help",
    "check_help_all",
    "error_help",
    "help_url",
    "known_codes",
    "load_manual",
    "load_tours",
    "manual_pdf",
    "parse_errors",
    "parse_tours",
    "search",
    "settings_reference",
    "settings_rows",
    "to_html",
    "tour_for",
]
