"""The client address of the web request being served, for the audit trail's "from where".

Set by the web layer's middleware (web/client_address.py); None outside a request (CLI, background
jobs). It lives in its own module because both `ledger.record_event` (which adds it to every event)
and `audit` (which re-exports it) need it, and `audit` already imports `ledger`.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

CLIENT_ADDRESS: ContextVar[str | None] = ContextVar("dangan_client_address", default=None)


def with_client(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of `detail` with the current client's address under "client" (a given one is kept)."""
    body = dict(detail or {})
    client = CLIENT_ADDRESS.get()
    if client and "client" not in body:
        body["client"] = client
    return body
