"""A full disk is an operating condition, not a bug: whichever write hit it (an upload being staged, an
object being stored, the catalogue's own journal), the client gets 507 with a Chinese message saying
that nothing was saved and what to do, and the log says which request hit it. Every write is atomic
(temp file then rename, one transaction), so a refused request has left nothing behind; once space is
freed the same process serves again — nothing to restart.
"""

from __future__ import annotations

import errno
import logging

from fastapi import FastAPI, Request
from sqlalchemy.exc import OperationalError
from starlette.responses import Response

from .errors import error_json, error_page, is_api, on_server_error

log = logging.getLogger("dangan.web")

CODE = "insufficient_storage"
MESSAGE = "服务器存储空间不足，本次提交未保存。请联系系统管理员清理或扩容存储后重试"
_FULL = {errno.ENOSPC, errno.EDQUOT}


def is_disk_full(exc: BaseException) -> bool:
    """ENOSPC/EDQUOT from any file write, or SQLite's SQLITE_FULL ("database or disk is full")."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _FULL:
            return True
        if isinstance(current, OperationalError) and "disk is full" in str(current.orig):
            return True
        current = current.__cause__ or current.__context__
    return False


async def on_storage_error(request: Request, exc: Exception) -> Response:
    if not is_disk_full(exc):
        return await on_server_error(request, exc)
    log.error("存储空间不足：%s %s（%s）", request.method, request.url.path, exc)
    if is_api(request):
        return error_json(507, CODE, MESSAGE)
    return error_page(request, 507, MESSAGE, code=CODE)


def install(app: FastAPI) -> None:
    app.add_exception_handler(OSError, on_storage_error)
    app.add_exception_handler(OperationalError, on_storage_error)
