"""The manual in the app: /help (roles, the reader's own first), one page per task, search, the
explanation of every error code, a printable PDF per role and the administrator's guide.

The manual describes pages, not records, so it reads no archive data; still, staff manuals need a login
(the public's manual and the error explanations do not: errors happen on the portal and at login too),
and the administrator's guide is for the 系统管理员.

The guided first tour (`/help/tour`) keeps its progress in the browser's localStorage, keyed by user, and
a "seen" flag in the session once it is finished or skipped: no table and no migration for what is a
hint, at the price that a new browser offers the tour once more. `/help/checks/{code}` explains each
四性检测 item the report lists; `/help/topic/{slug}` sends a contextual tip to the reader's own manual page.
`/help/glossary` is the 术语表, one anchor per term, open to everyone like the public's manual: the
words on the portal need explaining too, and it holds no archive data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from dangan.access import Principal
from dangan.core import NotFound, PermissionDenied

from ..deps import FIRST_LOGIN, CurrentUser, LoginRequired, OptionalUser
from ..help import (
    GLOSSARY,
    IMG_DIR,
    ROLES,
    admin_guide,
    check_help,
    check_help_all,
    error_help,
    known_codes,
    load_manual,
    manual_pdf,
    search,
    to_html,
    tour_for,
)
from ..present import content_disposition
from ..render import render

router = APIRouter(include_in_schema=False)
PUBLIC = "public"
ADMIN_ROLES = ("sysadmin",)
TOUR_SEEN = "tour_seen"


def _role_of(user: Principal | None) -> str:
    return user.role.code if user is not None else PUBLIC


def _readable_roles(user: Principal | None) -> list[str]:
    """The manuals this reader may open, his own first: staff may read every role's manual (training
    for a new duty), the public only its own."""
    if user is None:
        return [PUBLIC]
    own = _role_of(user)
    return [own, *(r for r in ROLES if r != own)]


def _check_role(role: str, user: Principal | None) -> None:
    if role not in ROLES:
        raise NotFound("手册中没有这个角色", code="help_not_found")
    if role not in _readable_roles(user):
        raise LoginRequired()


def _codes() -> frozenset[str]:
    return frozenset(known_codes())


@router.get("/help")
def help_index(request: Request, user: OptionalUser) -> Response:
    manual = load_manual()
    roles = [(r, ROLES[r], manual.for_role(r)) for r in _readable_roles(user)]
    context = {"roles": roles, "own": _role_of(user), "is_admin": _role_of(user) in ADMIN_ROLES}
    return render(request, "help_index.html", context)


@router.get("/help/search")
def help_search(
    request: Request, user: OptionalUser, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    hits = search(q, set(_readable_roles(user))) if q.strip() else []
    own = _role_of(user)
    rows = [(h, own if own in h.page.roles else h.page.roles[0]) for h in hits]
    return render(request, "help_search.html", {"q": q, "rows": rows})


@router.get("/help/admin")
def help_admin(request: Request, user: OptionalUser) -> Response:
    if user is None:
        raise LoginRequired()
    if _role_of(user) not in ADMIN_ROLES:
        raise PermissionDenied("系统管理员手册仅供系统管理员查看", code="help_forbidden")
    html = to_html(admin_guide(load_manual().admin_guide), error_codes=_codes())
    return render(request, "help_page.html", {"title": "系统管理员手册", "html": html, "role": None})


@router.get("/help/errors")
def help_errors(request: Request) -> Response:
    entries = [e for e in (error_help(c) for c in known_codes()) if e is not None]
    return render(request, "help_errors.html", {"entries": entries})


@router.get("/help/errors/{code}")
def help_error(request: Request, user: OptionalUser, code: str) -> Response:
    entry = error_help(code)
    if entry is None:
        raise NotFound("没有这个错误代码", code="help_not_found")
    readable = set(_readable_roles(user))
    pages = [p for p in load_manual().pages_for_error(code) if readable.intersection(p.roles)]
    if entry.page and not any(p.slug == entry.page for p in pages):
        main = next((p for p in load_manual().pages if p.slug == entry.page), None)
        if main is not None and readable.intersection(main.roles):
            pages.insert(0, main)
    links = [(p, next(r for r in _readable_roles(user) if r in p.roles)) for p in pages]
    return render(request, "help_error.html", {"entry": entry, "links": links})


@router.get("/help/tour")
def help_tour(request: Request, user: CurrentUser) -> Response:
    """The reader's own tour for static/js/tour.js; `key` names its progress in localStorage."""
    steps = [s.as_json() for s in tour_for(_role_of(user))]
    body = {
        "role": _role_of(user),
        "key": f"dangan.tour.{user.username}",
        "seen": bool(request.session.get(TOUR_SEEN)),
        "first_login": bool(request.session.get(FIRST_LOGIN)),
        "steps": steps,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/help/tour/seen")
def help_tour_seen(request: Request, user: CurrentUser) -> Response:
    """Finished or skipped: the session stops offering the tour (CSRF checked app-wide)."""
    request.session[TOUR_SEEN] = True
    return Response(status_code=204)


@router.get("/help/checks")
def help_checks(request: Request) -> Response:
    return render(request, "help_checks.html", {"items": check_help_all(), "entry": None})


@router.get("/help/checks/{code}")
def help_check(request: Request, code: str) -> Response:
    entry = check_help(code)
    if entry is None:
        raise NotFound("没有这个检测项", code="help_not_found")
    return render(request, "help_checks.html", {"items": check_help_all(), "entry": entry})


@router.get("/help/topic/{slug}")
def help_topic(user: OptionalUser, slug: str) -> Response:
    """A tip links to a task, not a role: the reader lands on his own role's page of it when he has one."""
    page = load_manual().page(slug)
    role = next((r for r in _readable_roles(user) if r in page.roles), None)
    if role is None:
        raise LoginRequired()
    return RedirectResponse(f"/help/{role}/{slug}", status_code=303)


@router.get("/help/glossary")
def help_glossary(request: Request, user: OptionalUser) -> Response:
    manual = load_manual()
    page = manual.page(GLOSSARY)
    role = _role_of(user)
    context = {
        "title": page.title,
        "page": page,
        "html": to_html(page.body, error_codes=_codes()),
        "role": role,
        "role_label": ROLES[role],
        "siblings": manual.for_role(role),
        "errors": [],
    }
    return render(request, "help_page.html", context)


@router.get("/help/img/{name}")
def help_image(name: str) -> Response:
    path = IMG_DIR / name
    if "/" in name or not name.endswith(".png") or not path.is_file():
        raise NotFound("没有这张截图", code="help_not_found")
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})


@router.get("/help/{role}.pdf")
def help_pdf(role: str, user: OptionalUser) -> Response:
    _check_role(role, user)
    headers = {"Content-Disposition": content_disposition(f"用户手册-{ROLES[role]}.pdf")}
    return Response(manual_pdf(role), media_type="application/pdf", headers=headers)


@router.get("/help/{role}")
def help_role(request: Request, user: OptionalUser, role: str) -> Response:
    _check_role(role, user)
    context = {"role": role, "role_label": ROLES[role], "pages": load_manual().for_role(role)}
    return render(request, "help_role.html", context)


@router.get("/help/{role}/{slug}")
def help_page(request: Request, user: OptionalUser, role: str, slug: str) -> Response:
    _check_role(role, user)
    manual = load_manual()
    page = manual.page(slug)
    if role not in page.roles:
        raise NotFound("手册中没有这一页", code="help_not_found")
    context = {
        "title": page.title,
        "page": page,
        "html": to_html(page.body, error_codes=_codes()),
        "role": role,
        "role_label": ROLES[role],
        "siblings": manual.for_role(role),
        "errors": [e for e in (error_help(c) for c in page.errors) if e is not None],
    }
    return render(request, "help_page.html", context)
