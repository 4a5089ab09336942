"""Ledger entries: one event as canonical, versioned bytes — the data of one Merkle leaf.

Canonical JSON (the JSON Canonicalization Scheme of RFC 8785, restricted to what entries hold):

* objects have their keys sorted by their UTF-16 code units (RFC 8785 §3.2.3), keys are strings;
* no insignificant whitespace: ``,`` and ``:`` separators only;
* strings are written as UTF-8 with only ``"``, ``\\`` and control characters escaped (``\\b \\t \\n
  \\f \\r`` short, others ``\\u00xx`` lowercase), which is both ES6 ``JSON.stringify`` and Python's
  ``json.dumps(ensure_ascii=False)``; lone surrogates are refused;
* numbers: floats in the ES6 ``Number.prototype.toString`` form of RFC 8785 §3.2.2.3 (shortest
  round-trip digits; ``1.0`` is ``1``, ``1e21`` is ``1e+21``); NaN and infinities are refused. Integers
  are written exactly — RFC 8785 readers see integers beyond ±2**53 only approximately, ours exactly;
* ``true``, ``false``, ``null`` as such.

Anyone can recompute an entry's leaf hash with ``SHA-256(0x00 || canonical_bytes)``.

Version 1 entry: ``{"v": 1, "kind", "at", "actor", "record_id", "event_id", "detail"}`` where ``at`` is
UTC in ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` and ``detail`` is the event's own JSON object. A future version
adds fields under a new ``v``; readers keep understanding every older version.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dangan.core import DanganError

ENTRY_VERSION = 1
_FIELDS = ("v", "kind", "at", "actor", "record_id", "event_id", "detail")


class EntryError(DanganError):
    """Something that cannot be a ledger entry (not canonical JSON, unknown version, bad field)."""

    code = "ledger_entry_invalid"
    status = 422


def _es6_number(x: float) -> str:
    """ES6 Number::toString(x) (RFC 8785 §3.2.2.3) from Python's shortest round-trip digits."""
    if math.isnan(x) or math.isinf(x):
        raise EntryError("账本条目不能含 NaN 或无穷大")
    if x == 0:
        return "0"
    _sign, digits_t, exp = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, digits_t))
    k, n = len(digits), len(digits) + int(exp)  # value = 0.digits × 10**n
    neg = "-" if x < 0 else ""
    if k <= n <= 21:
        return neg + digits + "0" * (n - k)
    if 0 < n <= 21:
        return neg + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return neg + "0." + "0" * -n + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{neg}{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def _write(value: Any, out: list[str], where: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise EntryError(f"{where} 含有无法编码的字符") from None
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_es6_number(value))
    elif isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise EntryError(f"{where} 的键必须是字符串")
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
            if i:
                out.append(",")
            _write(key, out, where)
            out.append(":")
            _write(value[key], out, f"{where}.{key}")
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out, f"{where}[{i}]")
        out.append("]")
    else:
        raise EntryError(
            f"{where} 的值类型 {type(value).__name__} 不能写入账本（只允许字符串、数、布尔、null、数组、对象）"
        )


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of `value` (see the module docstring)."""
    fast = _plain_json(value)
    if fast is not None:
        return fast
    out: list[str] = []
    _write(value, out, "$")
    return "".join(out).encode("utf-8")


def _plain_json(value: Any) -> bytes | None:
    """The canonical bytes by `json.dumps` in C, when it provably writes them: None when not.

    Every ingest writes a ledger entry of a few hundred values; the exact writer above took about 1 ms
    of the ~30 ms a small case costs. `json.dumps(sort_keys=True)` writes the same bytes when nothing
    but dicts, lists, tuples, strings, ints, bools and None occur (floats need the ES6 form), and no
    character beyond U+FFFF occurs (above it code point order and UTF-16 order can differ). Anything
    else, lone surrogates included, goes to the exact writer, which also words the error.
    """
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is dict:
            for k in v:
                if type(k) is not str:
                    return None
            stack.extend(v.values())
        elif t is list or t is tuple:
            stack.extend(v)
        elif not (t is str or t is int or t is bool or v is None):
            return None
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if not text.isascii() and max(text) > "\uffff":
        return None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def format_time(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # the catalogue stores UTC; SQLite hands it back without a zone
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Entry:
    """One event as the log records it."""

    kind: str
    at: str
    actor: str | None = None
    record_id: str | None = None
    event_id: int | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    # canonical_json(detail) when the caller already made it (record_event does, to refuse bad input)
    detail_json: bytes | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "v": ENTRY_VERSION,
            "kind": self.kind,
            "at": self.at,
            "actor": self.actor,
            "record_id": self.record_id,
            "event_id": self.event_id,
            "detail": dict(self.detail),
        }

    def body(self) -> bytes:
        if self.detail_json is None:
            return canonical_json(self.as_json())
        # The same bytes as canonical_json(as_json()): its keys are ASCII, so sorted they are in this
        # order, and "detail"'s value is the caller's canonical form of it.
        fields = self.as_json()
        parts = [
            canonical_json(k) + b":" + (self.detail_json if k == "detail" else canonical_json(fields[k]))
            for k in sorted(fields)
        ]
        return b"{" + b",".join(parts) + b"}"

    @classmethod
    def parse(cls, body: bytes, *, strict: bool = True) -> Entry:
        """Read entry bytes back; `strict` refuses anything that is not exactly the canonical form.

        Verification reads leniently: whether the bytes changed is the hash's business, and the content
        is still worth comparing with the catalogue.
        """
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EntryError(f"账本条目不是合法的 JSON：{exc}") from None
        if not isinstance(doc, dict) or doc.get("v") != ENTRY_VERSION or set(doc) != set(_FIELDS):
            raise EntryError("账本条目的版本或字段不符合规范")
        if not isinstance(doc["kind"], str) or not isinstance(doc["at"], str):
            raise EntryError("账本条目缺少事件类型或时间")
        if not isinstance(doc["detail"], dict):
            raise EntryError("账本条目的 detail 必须是对象")
        entry = cls(doc["kind"], doc["at"], doc["actor"], doc["record_id"], doc["event_id"], doc["detail"])
        if strict and entry.body() != body:
            raise EntryError("账本条目不是规范化 JSON（键序、空白或转义不符）")
        return entry
