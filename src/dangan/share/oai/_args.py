"""The arguments of one OAI-PMH request, checked as protocol §3.1 and §4 ask before anything is read.

Parsing happens once, into a typed `OaiRequest`, so the verbs never see a raw parameter: a repeated or
unknown argument, a missing required one, a resumption token mixed with other arguments, a malformed
date or a `from` later than `until` are refused here with the error code the protocol names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ._errors import BAD_ARGUMENT, BAD_VERB, OaiError

VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # verb: (required, optional) arguments; `resumptionToken` is exclusive wherever it is allowed
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}
LIST_VERBS = frozenset({"ListIdentifiers", "ListRecords"})
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[!-~]+$")  # an absolute URI, printable ASCII only
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
SECOND = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
MAX_VALUE = 2000  # longer than any identifier, set or token this repository issues


@dataclass(frozen=True)
class Bound:
    """A `from`/`until` argument: the instant it starts at and its granularity (day or second)."""

    text: str
    start: datetime
    seconds: bool

    @property
    def end(self) -> datetime:
        """The first instant after the day or second it names (an `until` covers all of it)."""
        return self.start + (timedelta(seconds=1) if self.seconds else timedelta(days=1))


@dataclass(frozen=True)
class OaiRequest:
    verb: str
    identifier: str | None = None
    metadata_prefix: str | None = None
    set_spec: str | None = None
    since: Bound | None = None
    until: Bound | None = None
    resumption_token: str | None = None

    def echo(self) -> dict[str, str]:
        """The request element's attributes: the arguments as they were given."""
        pairs = {
            "verb": self.verb,
            "identifier": self.identifier,
            "metadataPrefix": self.metadata_prefix,
            "from": self.since.text if self.since else None,
            "until": self.until.text if self.until else None,
            "set": self.set_spec,
            "resumptionToken": self.resumption_token,
        }
        return {k: v for k, v in pairs.items() if v is not None}


def parse_bound(name: str, text: str) -> Bound:
    """A UTCdatetime at day or second granularity; anything else is a bad argument."""
    try:
        if m := SECOND.match(text):
            y, mo, d, h, mi, s = (int(g) for g in m.groups())
            return Bound(text, datetime(y, mo, d, h, mi, s, tzinfo=UTC), True)
        if m := DAY.match(text):
            day = date(*(int(g) for g in m.groups()))
            return Bound(text, datetime(day.year, day.month, day.day, tzinfo=UTC), False)
    except ValueError:
        pass
    raise OaiError(
        BAD_ARGUMENT,
        f"参数 {name} 的值“{text[:40]}”不是有效的 UTC 时间（YYYY-MM-DD 或 YYYY-MM-DDThh:mm:ssZ）",
    )


def parse_request(params: Iterable[tuple[str, str]]) -> OaiRequest:
    """Check the arguments of a GET query or POST form (in the order given) and type them."""
    values: dict[str, list[str]] = {}
    for key, value in params:
        values.setdefault(key, []).append(value)
    verbs = values.pop("verb", [])
    if len(verbs) != 1:
        raise OaiError(BAD_VERB, "缺少 verb 参数" if not verbs else "verb 参数重复")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError(BAD_VERB, f"不支持的操作：{verb[:40]}")
    required, optional = VERBS[verb]
    for key, given in values.items():
        if key not in required | optional:
            raise OaiError(BAD_ARGUMENT, f"{verb} 不接受参数 {key[:40]}")
        if len(given) > 1:
            raise OaiError(BAD_ARGUMENT, f"参数 {key} 重复")
        value = given[0]
        if not value or len(value) > MAX_VALUE or any(ord(c) < 0x20 or c == "\x7f" for c in value):
            raise OaiError(BAD_ARGUMENT, f"参数 {key} 的值为空、过长或含控制字符")
    args = {k: v[0] for k, v in values.items()}
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError(BAD_ARGUMENT, "resumptionToken 不能与其他参数同时使用")
        return OaiRequest(verb, resumption_token=args["resumptionToken"])
    missing = sorted(required - set(args))
    if missing:
        raise OaiError(BAD_ARGUMENT, f"{verb} 缺少必需参数：{'、'.join(missing)}")
    return _typed(verb, args)


def _typed(verb: str, args: dict[str, str]) -> OaiRequest:
    identifier = args.get("identifier")
    if identifier is not None and not IDENTIFIER.match(identifier):
        raise OaiError(BAD_ARGUMENT, "identifier 不是有效的 URI")
    prefix = args.get("metadataPrefix")
    if prefix is not None and not PREFIX.match(prefix):
        raise OaiError(BAD_ARGUMENT, "metadataPrefix 含有不允许的字符")
    set_spec = args.get("set")
    if set_spec is not None and not SET_SPEC.match(set_spec):
        raise OaiError(BAD_ARGUMENT, "set 不是有效的集合标识（setSpec）")
    since = parse_bound("from", args["from"]) if "from" in args else None
    until = parse_bound("until", args["until"]) if "until" in args else None
    if since and until:
        if since.seconds != until.seconds:
            raise OaiError(BAD_ARGUMENT, "from 与 until 的时间粒度必须相同")
        if since.start > until.start:
            raise OaiError(BAD_ARGUMENT, "from 晚于 until")
    return OaiRequest(verb, identifier, prefix, set_spec, since, until)
