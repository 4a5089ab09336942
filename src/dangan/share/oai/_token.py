"""Stateless resumption tokens: the whole list request and the keyset position, signed with HMAC.

Nothing is kept on the server, so a harvest survives restarts and any number of web processes. The
token carries the list's arguments, the (datestamp, record id) of the last item sent and the counts,
and an expiry that each page renews: a harvest that keeps going never meets an expired token, and a
harvester that resumes a day later starts again. The position is a key, not an offset, so records added
while a harvest runs never shift or repeat the items still to come. A token that was altered, forged with
another key, issued for another verb, or has expired is refused (badResumptionToken).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ._errors import BAD_RESUMPTION_TOKEN, OaiError

MAC_BYTES = 16
_VERSION = 1


@dataclass(frozen=True)
class ListState:
    """Where a list stands: its arguments, the last item sent, how many were sent and how many in all."""

    verb: str
    metadata_prefix: str
    set_spec: str | None
    since: datetime | None  # inclusive
    until: datetime | None  # exclusive
    after: tuple[datetime, str] | None  # (datestamp, record id) of the last item sent
    cursor: int
    complete: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _when(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"dangan-oai-resumption\x00" + body, hashlib.sha256).digest()[:MAC_BYTES]


def encode_token(state: ListState, key: bytes, expires_at: datetime) -> str:
    doc: dict[str, Any] = {
        "v": _VERSION,
        "verb": state.verb,
        "m": state.metadata_prefix,
        "s": state.set_spec,
        "f": _when(state.since),
        "u": _when(state.until),
        "a": [_when(state.after[0]), state.after[1]] if state.after else None,
        "c": state.cursor,
        "n": state.complete,
        "e": int(expires_at.timestamp()),
    }
    body = json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def _bad(detail: str) -> OaiError:
    return OaiError(BAD_RESUMPTION_TOKEN, f"续传令牌无效：{detail}")


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive time")
    return parsed.astimezone(UTC)


def decode_token(token: str, key: bytes, verb: str, now: datetime) -> ListState:
    """The state a token carries, after checking its signature, verb and expiry."""
    body_text, dot, mac_text = token.rpartition(".")
    if not dot:
        raise _bad("格式不正确")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise _bad("格式不正确") from None
    if not hmac.compare_digest(mac, _mac(key, body)):
        raise _bad("签名不符（令牌被修改或并非本库签发）")
    try:
        doc = json.loads(body)
        if doc["v"] != _VERSION:
            raise _bad("版本不受支持")
        after = doc["a"]
        state = ListState(
            verb=str(doc["verb"]),
            metadata_prefix=str(doc["m"]),
            set_spec=None if doc["s"] is None else str(doc["s"]),
            since=_time(doc["f"]),
            until=_time(doc["u"]),
            after=None if after is None else (_time(after[0]) or now, str(after[1])),
            cursor=int(doc["c"]),
            complete=int(doc["n"]),
        )
        expires = int(doc["e"])
    except OaiError:
        raise
    except (KeyError, TypeError, ValueError, IndexError):
        raise _bad("内容不完整") from None
    if state.verb != verb:
        raise _bad(f"该令牌属于 {state.verb}，不能用于 {verb}")
    if expires < int(now.timestamp()):
        raise _bad("已过期，请从头重新收割")
    return state
