"""The manual's pages: Markdown files shipped in the package, each with a small front matter.

One file per task, not per role: a task several roles do (browse, search) is written once and listed
under each of them, so the manual cannot say two different things about the same page.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from dangan.core import NotFound

CONTENT_DIR = Path(__file__).parent / "content"
IMG_DIR = Path(__file__).parent / "img"
ADMIN_GUIDE = "admin-guide"
GLOSSARY = "glossary"  # the 术语表: a page of every role, one heading (anchor) per term

# The manual's roles, in the order the index lists them (DESIGN.md §4's role codes).
ROLES: dict[str, str] = {
    "archivist": "档案管理员",
    "clerk": "部门经办人",
    "dept_head": "部门负责人",
    "reader": "查阅用户",
    "sysadmin": "系统管理员",
    "secadmin": "安全保密管理员",
    "auditor": "安全审计员",
    "public": "公众",
}


@dataclass(frozen=True)
class HelpPage:
    """One task: `labels` are the words the page names on screen, which the tests find on `screen`."""

    slug: str
    title: str
    roles: tuple[str, ...]
    order: int
    body: str
    errors: tuple[str, ...] = ()
    screen: str | None = None  # the product page the task is done on (a path; {record} = any record)
    as_role: str | None = None  # who the screenshot and the label check log in as
    shot: str | None = None  # img/<shot>.png, written by tests/e2e/test_help_screenshots.py
    labels: tuple[str, ...] = ()
    summary: str = field(default="")

    @property
    def image(self) -> Path | None:
        if not self.shot:
            return None
        path = IMG_DIR / f"{self.shot}.png"
        return path if path.is_file() else None


def _split_list(value: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(sep) if v.strip())


def parse_page(slug: str, text: str) -> HelpPage:
    """Front matter between two `---` lines: `key: value`, lists comma separated (labels by `|`, since a
    label may hold a comma)."""
    meta: dict[str, str] = {}
    body = text
    if text.startswith("---\n"):
        head, sep, rest = text[4:].partition("\n---\n")
        if not sep:
            raise ValueError(f"{slug}: front matter is not closed")
        for line in head.splitlines():
            if line.strip():
                key, _, value = line.partition(":")
                meta[key.strip()] = value.strip()
        body = rest
    if "title" not in meta or "roles" not in meta:
        raise ValueError(f"{slug}: front matter needs title and roles")
    roles = _split_list(meta["roles"])
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"{slug}: unknown roles {sorted(unknown)}")
    first = next((p.strip() for p in body.split("\n\n") if p.strip() and not p.lstrip().startswith("#")), "")
    return HelpPage(
        slug=slug,
        title=meta["title"],
        roles=roles,
        order=int(meta.get("order", "100")),
        body=body.strip() + "\n",
        errors=_split_list(meta.get("errors", "")),
        screen=meta.get("screen") or None,
        as_role=meta.get("as") or None,
        shot=meta.get("shot") or None,
        labels=_split_list(meta.get("labels", ""), "|"),
        summary=first.replace("\n", ""),
    )


@dataclass(frozen=True)
class Manual:
    pages: tuple[HelpPage, ...]
    admin_guide: str

    def for_role(self, role: str) -> list[HelpPage]:
        return sorted((p for p in self.pages if role in p.roles), key=lambda p: (p.order, p.slug))

    def page(self, slug: str) -> HelpPage:
        for p in self.pages:
            if p.slug == slug:
                return p
        raise NotFound("手册中没有这一页", code="help_not_found")

    def pages_for_error(self, code: str) -> list[HelpPage]:
        return [p for p in self.pages if code in p.errors]


@functools.cache
def load_manual() -> Manual:
    """Read once per process: the files ship with the package and do not change while it runs."""
    pages = tuple(
        parse_page(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(CONTENT_DIR.glob("*.md"))
        if path.stem != ADMIN_GUIDE
    )
    guide = (CONTENT_DIR / f"{ADMIN_GUIDE}.md").read_text(encoding="utf-8")
    return Manual(pages, guide)
