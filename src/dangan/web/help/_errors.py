"""What each error code means and what to do about it, for /help/errors/{code}.

The codes are the contract (core/errors.py, web/errors.py); this is the explanation people need when
one of them stops their work. The texts live in `errors.json` beside the manual, so the people who write
the manual edit words, not Python; the file is read once and checked whole when read (a malformed entry,
or one pointing at a manual page that does not exist, fails at start-up, not when someone needs it). A
code not written up still gets a page: the general advice for its kind of failure, so an error's
"查看说明" link never leads nowhere.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ._pages import load_manual

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,60}$")
ERRORS_FILE = Path(__file__).parent / "errors.json"
_FIELDS = {"title", "cause", "action", "page"}


@dataclass(frozen=True)
class ErrorHelp:
    code: str
    title: str
    cause: str
    action: str
    page: str | None = None  # the manual page (slug) that explains the task where it happens
    known: bool = True


GENERAL = ErrorHelp(
    code="",
    title="错误说明",
    cause="这个错误代码还没有单独的说明。页面上的中文提示说明了出错的原因。",
    action="按提示修改后重试；如果不清楚怎么处理，请把错误代码和出错时间告诉档案管理员或系统管理员。",
    known=False,
)


def parse_errors(data: object, slugs: set[str]) -> dict[str, ErrorHelp]:
    """Every entry whole: a code-shaped key, non-empty title, cause and action, and a page that exists."""
    if not isinstance(data, dict):
        raise ValueError("errors.json: expected an object of code → explanation")
    entries: dict[str, ErrorHelp] = {}
    for code, entry in data.items():
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            raise ValueError(f"errors.json: {code!r} is not an error code")
        if not isinstance(entry, dict) or set(entry) - _FIELDS:
            raise ValueError(f"errors.json: {code}: only {sorted(_FIELDS)} are allowed")
        texts = [entry.get(key) for key in ("title", "cause", "action")]
        if not all(isinstance(t, str) and t.strip() for t in texts):
            raise ValueError(f"errors.json: {code}: title, cause and action must all be written")
        page = entry.get("page")
        if page is not None and page not in slugs:
            raise ValueError(f"errors.json: {code}: no manual page {page!r}")
        title, cause, action = (str(t) for t in texts)
        entries[code] = ErrorHelp(code, title, cause, action, page)
    return entries


@functools.cache
def _entries() -> dict[str, ErrorHelp]:
    slugs = {p.slug for p in load_manual().pages}
    return parse_errors(json.loads(ERRORS_FILE.read_text(encoding="utf-8")), slugs)


def error_help(code: str) -> ErrorHelp | None:
    """The explanation of `code`; the general one for a well-formed code not written up; None for text
    that cannot be a code (answered 404, never echoed)."""
    if not CODE_PATTERN.match(code):
        return None
    entry = _entries().get(code)
    if entry is None:
        return ErrorHelp(code, GENERAL.title, GENERAL.cause, GENERAL.action, None, known=False)
    return entry


def known_codes() -> list[str]:
    return sorted(_entries())


def help_url(code: str) -> str:
    return f"/help/errors/{code}" if CODE_PATTERN.match(code) else "/help/errors"
