"""Error handlers: `{"error": {"code", "message"}}` under /api, Chinese error pages elsewhere."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dangan.core import DanganError

from .deps import LoginRequired, load_user
from .help import help_url
from .outage import RETRY_AFTER, exception_types, outage_of
from .render import render
from .security import apply_security_headers

log = logging.getLogger("dangan.web")

STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}
STATUS_MESSAGES: dict[int, str] = {
    400: "请求有误",
    401: "请先登录",
    403: "您没有执行此操作的权限",
    404: "您访问的页面或档案不存在，或您无权查看",
    405: "不支持该请求方法",
    409: "操作与现有数据冲突",
    410: "该档案的电子文件已按规定销毁，内容不可再获取",
    413: "上传内容过大",
    415: "不支持的内容类型",
    422: "请求参数有误",
    429: "请求过于频繁，请稍后再试",
    500: "系统内部错误，请稍后重试或联系系统管理员",
}
PAGE_TITLES: dict[int, str] = {
    403: "无权访问",
    404: "未找到",
    410: "已销毁",
    500: "系统错误",
    503: "服务暂不可用",
}
# Starlette's form parser refuses oversize forms with a 400 and an English detail; they are answered as
# what they are, 413, in Chinese.
FORM_LIMITS: dict[str, str] = {
    "Field exceeded maximum size": "表单中某一项内容过大（单项不超过 1 MB）",
    "Part exceeded maximum size": "表单中某一部分内容过大（单项不超过 1 MB）",
    "Too many fields": "表单项过多",
    "Too many files": "一次提交的文件过多",
}
BODY_ERRORS = (
    "There was an error parsing the body",
    "Invalid multipart data",
    "Missing boundary in multipart",
)


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def error_json(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    headers = {**(headers or {}), "Link": f'<{help_url(code)}>; rel="help"'}  # the code's explanation (#21)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def error_page(
    request: Request, status: int, message: str | None = None, code: str | None = None
) -> Response:
    try:
        load_user(request)
    except Exception:  # the error may be the database itself; the page must still render
        log.debug("could not load the user for an error page", exc_info=True)
    context = {
        "status": status,
        "title": PAGE_TITLES.get(status, "出错了"),
        "message": message or STATUS_MESSAGES.get(status, "请求无法完成"),
        "help_url": help_url(code or STATUS_CODES.get(status, "error")),  # "查看说明" (#21)
    }
    return render(request, "error.html", context, status_code=status)


def login_redirect(request: Request) -> RedirectResponse:
    target = "/"
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    headers = dict(exc.headers or {})
    message = STATUS_MESSAGES.get(status, "请求无法完成")
    detail = str(exc.detail) if status == 400 else ""
    if detail.startswith(BODY_ERRORS):
        message = "请求体格式有误，无法解析"
    for prefix, text in FORM_LIMITS.items():
        if detail.startswith(prefix):
            status, message = 413, text
    if is_api(request):
        return error_json(status, STATUS_CODES.get(status, f"http_{status}"), message, headers=headers)
    if status < 400:
        return Response(message, status_code=status, headers=headers, media_type="text/plain; charset=utf-8")
    response = error_page(request, status, message)
    response.headers.update(headers)
    return response


# Pydantic's messages are English; the API answers people in Chinese (the `code` stays pydantic's type).
FIELD_MESSAGES: dict[str, str] = {
    "missing": "缺少必填参数",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "float_parsing": "须为数字",
    "bool_parsing": "须为 true 或 false",
    "string_type": "须为文本",
    "enum": "取值须为以下之一：{expected}",
    "literal_error": "取值须为以下之一：{expected}",
}


def field_message(err: Any) -> str:
    template = FIELD_MESSAGES.get(str(err.get("type", "")), "取值无效")
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return "取值无效"


async def on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not is_api(request):
        return error_page(request, 400, "请求参数有误，请检查后重试")
    details = [
        {
            "field": ".".join(str(p) for p in err.get("loc", ())),
            "code": str(err.get("type", "invalid")),
            "message": field_message(err),
        }
        for err in exc.errors()
    ]
    return error_json(422, "validation_failed", STATUS_MESSAGES[422], details)


async def on_dangan_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DanganError)
    if is_api(request):
        body = exc.as_dict()
        scheme = 'Bearer realm="dangan"' if "authorization" in request.headers else "Session"
        headers = {"WWW-Authenticate": scheme} if exc.status == 401 else None
        return error_json(exc.status, body["code"], body["message"], body.get("details"), headers)
    if isinstance(exc, LoginRequired):
        return login_redirect(request)
    return error_page(request, exc.status, exc.message, exc.code)


async def on_data_error(request: Request, exc: Exception) -> Response:
    """The database refused a value sent in the request (a NUL in a form field, a number out of range):
    that is bad input, answered 422 like any other; the unit of work has already rolled back."""
    reason = str(getattr(exc, "orig", exc)).splitlines()[0]  # not the statement's parameters: user data
    log.info("database refused request data on %s %s: %s", request.method, request.url.path, reason)
    message = "请求中含有无法保存或查询的内容（如空字符），请检查后重试"
    if is_api(request):
        return error_json(422, "invalid_input", message)
    return error_page(request, 422, message)


async def on_server_error(request: Request, exc: Exception) -> Response:
    """Last resort (runs outside the other middleware, so it sets the security headers itself).

    A backing service that is down (database, S3, Redis) is answered 503, not 500 (see outage.py)."""
    response: Response
    outage = outage_of(exc)
    if outage is not None:
        code, message = outage
        log.warning(
            "%s on %s %s: %s", code, request.method, request.url.path, (str(exc).splitlines() or [""])[0]
        )
        if is_api(request):
            response = error_json(503, code, message, headers={"Retry-After": RETRY_AFTER})
        else:
            try:
                response = error_page(request, 503, message, code=code)
            except Exception:
                response = HTMLResponse(f"<h1>{message}</h1>", status_code=503)
            response.headers["Retry-After"] = RETRY_AFTER
        apply_security_headers(response.headers)
        return response
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    if is_api(request):
        response = error_json(500, "internal_error", STATUS_MESSAGES[500])
    else:
        try:
            response = error_page(request, 500)
        except Exception:
            response = HTMLResponse("<h1>系统内部错误</h1>", status_code=500)
    apply_security_headers(response.headers)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(DanganError, on_dangan_error)
    app.add_exception_handler(DataError, on_data_error)
    for outage in exception_types():  # a backing service down: 503 (on_server_error tells)
        app.add_exception_handler(outage, on_server_error)
    app.add_exception_handler(Exception, on_server_error)
