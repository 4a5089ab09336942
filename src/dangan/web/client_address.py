"""Who asked from where: the client address goes to the audit trail, and refused requests are logged.

A pure ASGI middleware (not BaseHTTPMiddleware) so that the context variable it sets is seen by the
route and its thread-pool work. A 403 answered to a logged-in user becomes a `denied` event with the
method, path and address; a record hidden from a user answers 404 and is logged by `record_for`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dangan.access import Principal
from dangan.services.archive import CLIENT_ADDRESS, log_event


class ClientAddressMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        token = CLIENT_ADDRESS.set(str(client[0]) if client else None)
        status: dict[str, int] = {}

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
            user = (scope.get("state") or {}).get("user")
            if status.get("code") == 403 and isinstance(user, Principal):
                detail: dict[str, Any] = {"method": scope.get("method", ""), "path": str(scope.get("path", ""))[:300],
                                          "status": 403}  # fmt: skip
                app = scope["app"]
                state = scope.get("state") or {}
                archive = state.get("archive") or app.state.archive  # the user's sandbox in 练习模式
                await anyio.to_thread.run_sync(log_event, archive, "denied", user.username, None, detail)
        finally:
            CLIENT_ADDRESS.reset(token)
