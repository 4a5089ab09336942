"""Every request gets an id: the caller's `X-Request-ID` when it is a sane token (a reverse proxy or a
business system that already tracks its calls), else a new one. It is echoed in the response header
(except on a preview or download, whose header keeps the delivery's own id printed in its watermark;
the access line then names both),
put in the logging context (so every log line of the request, and every job it queues, carries it) and
summed up in one access line on `dangan.http`.

A pure ASGI middleware, like ClientAddressMiddleware: BaseHTTPMiddleware would run the route in another
task and buffer streamed downloads.
"""

from __future__ import annotations

import logging
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dangan.core import REQUEST_ID_HEADER, acceptable_request_id, new_request_id, request_id_context

log = logging.getLogger("dangan.http")
_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers") or ():
        if name == _HEADER:
            return acceptable_request_id(value.decode("latin-1"))
    return None


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = rid
        status = {"code": 500}
        delivery: dict[str, str] = {}
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER in headers:  # a delivery's own id (printed in its watermark) stays
                    delivery["id"] = headers[REQUEST_ID_HEADER]
                else:
                    headers[REQUEST_ID_HEADER] = rid
            await send(message)

        with request_id_context(rid):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                # The last-resort handler logs the traceback outside this middleware, where the id is no
                # longer set: say here which request failed, then let it answer.
                log.error(
                    "请求处理出错：%s %s（%s）", scope.get("method"), scope.get("path"), type(exc).__name__
                )
                raise
            finally:
                log.info(
                    "%s %s %s",
                    scope.get("method"),
                    scope.get("path"),
                    status["code"],
                    extra={
                        "method": scope.get("method"),
                        "path": str(scope.get("path", ""))[:300],
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        **({"delivery_id": delivery["id"]} if delivery else {}),
                    },
                )
