"""Practice mode (练习模式) in the browser: enter and leave it, reset the sandbox, and the exercises.

Thin: the sandboxes and exercises are `services.practice`; which archive a request is served by is
decided once, in `deps.get_archive` (the session's practice flag). Entering and leaving are the only
writes to the real session; nothing here writes to the real archive.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal
from dangan.core import DanganError, NotFound
from dangan.services.accounts import session_principal
from dangan.services.practice import PracticeHub, broken_package, find_exercise, scoreboard, submit_answer

from ..deps import SESSION_PRACTICE, SESSION_STAMP, ArchiveDep, CurrentUser, practice_hub
from ..present import content_disposition
from ..render import render

router = APIRouter(include_in_schema=False)


def _real_user(request: Request, user: Principal) -> Principal:
    """The signed-in person as the real archive knows him (his sandbox account copies it on entry)."""
    if not request.session.get(SESSION_PRACTICE):
        return user
    stamp = request.session.get(SESSION_STAMP)
    return session_principal(
        request.app.state.archive, user.username, stamp if isinstance(stamp, str) else ""
    )


def _page(
    request: Request, archive: ArchiveDep, user: Principal, hub: PracticeHub, *,
    notice: str | None = None, error: DanganError | None = None,
) -> Response:  # fmt: skip
    active = bool(request.session.get(SESSION_PRACTICE))
    status = hub.status()
    board = scoreboard(archive, user, hub.folder(user.username)) if active else None
    context = {"active": active, "status": status, "board": board, "notice": notice, "error": error}
    return render(request, "practice.html", context)


@router.get("/practice")
def practice_page(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    notice = {"reset": "练习环境已重置：已重新复制演示档案，练习成绩清零。",
              "answered": "答案已提交，结果见下表。"}.get(request.query_params.get("done", ""))  # fmt: skip
    return _page(request, archive, user, practice_hub(request), notice=notice)


@router.post("/practice/enter")
def practice_enter(request: Request, user: CurrentUser) -> Response:
    """Into the sandbox; on first use the template is built in the background and the page shows progress."""
    hub = practice_hub(request)
    real = _real_user(request, user)
    if hub.sandbox(real.username) is None and not hub.prepare().ready:
        return RedirectResponse("/practice", status_code=303)
    hub.enter(real)
    request.session[SESSION_PRACTICE] = True
    return RedirectResponse("/practice", status_code=303)


@router.post("/practice/exit")
def practice_exit(request: Request, user: CurrentUser) -> Response:
    request.session.pop(SESSION_PRACTICE, None)
    return RedirectResponse("/", status_code=303)


@router.post("/practice/reset")
def practice_reset(request: Request, user: CurrentUser) -> Response:
    """Throw the sandbox away and copy the template again (stays in practice mode)."""
    hub = practice_hub(request)
    real = _real_user(request, user)
    if not request.session.get(SESSION_PRACTICE):
        raise NotFound("您不在练习模式中", code="not_practising")
    request.state.archive = None  # the old sandbox is closed now: nothing more of this request uses it
    hub.reset(real)
    return RedirectResponse("/practice?done=reset", status_code=303)


@router.post("/practice/exercises/{exercise_id}")
def practice_answer(
    request: Request, archive: ArchiveDep, user: CurrentUser, exercise_id: str,
    answer: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    hub = practice_hub(request)
    if not request.session.get(SESSION_PRACTICE):
        raise NotFound("您不在练习模式中", code="not_practising")
    try:
        submit_answer(archive, user, hub.folder(user.username), exercise_id, answer)
    except DanganError as exc:
        if isinstance(exc, NotFound):
            raise
        page = _page(request, archive, user, hub, error=exc)
        page.status_code = exc.status
        return page
    return RedirectResponse("/practice?done=answered", status_code=303)


@router.get("/practice/exercises/{exercise_id}/package")
def practice_package(request: Request, user: CurrentUser, exercise_id: str) -> Response:
    """The deliberately broken case package of a 四性检测 exercise (only inside practice mode)."""
    exercise = find_exercise(exercise_id)
    if not request.session.get(SESSION_PRACTICE) or exercise.kind != "check_failure":
        raise NotFound("没有这个练习案卷包", code="unknown_exercise")
    name, data = broken_package(user, str(exercise.params.get("defect") or "hash_mismatch"))
    headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    return Response(data, media_type="application/zip", headers=headers)
