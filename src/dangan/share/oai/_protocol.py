"""The six verbs of OAI-PMH 2.0 over a `Scope` of the catalogue: `answer` turns the arguments of one
request into the XML document to send back. Every failure the protocol defines comes back as its
`<error>`; the HTTP status is always 200.

Datestamps are a record's last metadata change in UTC at second granularity; `from`/`until` are
accepted at day or second granularity. Lists are paged with stateless HMAC-signed resumption tokens
(`_token.py`); `completeListSize` is counted when a list starts and carried by its tokens. The repository
declares `deletedRecord` = transient: records the scope marks deleted (disposal) are listed with
`status="deleted"` headers for as long as the catalogue keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree
from sqlalchemy.orm import Session

from ._args import LIST_VERBS, OaiRequest, parse_request
from ._catalog import Item, Scope, count, earliest, find, list_clause, page
from ._errors import (
    BAD_RESUMPTION_TOKEN,
    CANNOT_DISSEMINATE_FORMAT,
    ID_DOES_NOT_EXIST,
    NO_METADATA_FORMATS,
    NO_RECORDS_MATCH,
    UNECHOED,
    OaiError,
)
from ._formats import FORMATS, describe
from ._sets import list_sets, record_sets, set_clause
from ._token import ListState, decode_token, encode_token
from ._xml import el, envelope, header, serialise, stamp

DEFAULT_PAGE_SIZE = 200
DEFAULT_TOKEN_TTL = timedelta(hours=24)
DEFAULT_REPOSITORY_IDENTIFIER = "dangan.local"


@dataclass(frozen=True)
class OaiConfig:
    """The repository as harvesters see it; built by the caller from the archive's settings."""

    repository_name: str
    base_url: str  # the endpoint's own address (request element, Identify, the dat46 schema URL)
    repository_identifier: str  # the middle part of oai:<repositoryIdentifier>:<record id>
    admin_email: str
    token_key: bytes
    page_size: int = DEFAULT_PAGE_SIZE
    token_ttl: timedelta = DEFAULT_TOKEN_TTL

    def identifier(self, record_id: str) -> str:
        return f"oai:{self.repository_identifier}:{record_id}"

    def record_id(self, identifier: str) -> str | None:
        prefix = f"oai:{self.repository_identifier}:"
        rest = identifier[len(prefix) :] if identifier.startswith(prefix) else ""
        return rest if 0 < len(rest) <= 26 and rest.isalnum() else None


def answer(
    session: Session, scope: Scope, config: OaiConfig, params: Iterable[tuple[str, str]], now: datetime
) -> bytes:
    """The response document for one request (GET query or POST form arguments, in order)."""
    request: OaiRequest | None = None
    try:
        request = parse_request(params)
        root = envelope(now, config.base_url, request.echo())
        _VERBS[request.verb](_Context(session, scope, config, now, root), request)
    except OaiError as error:
        echo = request.echo() if request is not None and error.code not in UNECHOED else {}
        root = envelope(now, config.base_url, echo)
        el(root, "error", error.message, code=error.code)
    return serialise(root)


@dataclass(frozen=True)
class _Context:
    session: Session
    scope: Scope
    config: OaiConfig
    now: datetime
    root: etree._Element


def _identify(c: _Context, request: OaiRequest) -> None:
    body = el(c.root, "Identify")
    el(body, "repositoryName", c.config.repository_name)
    el(body, "baseURL", c.config.base_url)
    el(body, "protocolVersion", "2.0")
    el(body, "adminEmail", c.config.admin_email)
    el(body, "earliestDatestamp", stamp(earliest(c.session, c.scope) or c.now))
    el(body, "deletedRecord", "transient")
    el(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def _item(c: _Context, identifier: str) -> Item:
    record_id = c.config.record_id(identifier)
    item = find(c.session, c.scope, record_id) if record_id else None
    if item is None:
        raise OaiError(ID_DOES_NOT_EXIST, f"没有标识为 {identifier[:80]} 的开放档案")
    return item


def _list_metadata_formats(c: _Context, request: OaiRequest) -> None:
    if request.identifier is not None and _item(c, request.identifier).deleted:
        raise OaiError(NO_METADATA_FORMATS, "该档案已销毁，不再提供元数据")
    body = el(c.root, "ListMetadataFormats")
    for fmt in FORMATS.values():
        entry = el(body, "metadataFormat")
        el(entry, "metadataPrefix", fmt.prefix)
        el(entry, "schema", fmt.schema(c.config.base_url))
        el(entry, "metadataNamespace", fmt.namespace)


def _list_sets(c: _Context, request: OaiRequest) -> None:
    if request.resumption_token is not None:
        raise OaiError(BAD_RESUMPTION_TOKEN, "续传令牌无效：集合列表一次返回，不签发续传令牌")
    body = el(c.root, "ListSets")
    for found in list_sets(c.session, c.scope.listed):
        entry = el(body, "set")
        el(entry, "setSpec", found.spec)
        el(entry, "setName", found.name)


def _format(prefix: str) -> None:
    if prefix not in FORMATS:
        raise OaiError(CANNOT_DISSEMINATE_FORMAT, f"不支持元数据格式 {prefix}（可用：{'、'.join(FORMATS)}）")


def _write_record(c: _Context, parent: etree._Element, item: Item, prefix: str) -> None:
    record = el(parent, "record")
    header(
        record, c.config.identifier(item.record.id), item.datestamp, record_sets(item.record), item.deleted
    )
    if not item.deleted:
        metadata = el(record, "metadata")
        description = describe(item.record, c.scope.clean, c.config.repository_name)
        FORMATS[prefix].write(metadata, description, c.config.base_url)


def _get_record(c: _Context, request: OaiRequest) -> None:
    assert request.identifier is not None and request.metadata_prefix is not None
    _format(request.metadata_prefix)
    item = _item(c, request.identifier)
    _write_record(c, el(c.root, "GetRecord"), item, request.metadata_prefix)


def _start(c: _Context, request: OaiRequest) -> ListState:
    assert request.metadata_prefix is not None
    _format(request.metadata_prefix)
    return ListState(
        verb=request.verb,
        metadata_prefix=request.metadata_prefix,
        set_spec=request.set_spec,
        since=request.since.start if request.since else None,
        until=request.until.end if request.until else None,
        after=None,
        cursor=0,
        complete=-1,  # counted below, once per list
    )


def _list(c: _Context, request: OaiRequest) -> None:
    if request.resumption_token is not None:
        state = decode_token(request.resumption_token, c.config.token_key, request.verb, c.now)
        if state.metadata_prefix not in FORMATS:
            raise OaiError(BAD_RESUMPTION_TOKEN, "续传令牌无效：其元数据格式已不再提供")
    else:
        state = _start(c, request)
    where = set_clause(state.set_spec) if state.set_spec is not None else None
    if state.set_spec is not None and where is None:
        raise OaiError(NO_RECORDS_MATCH, f"没有集合 {state.set_spec}")
    clause = list_clause(c.scope, where, state.since, state.until)
    complete = state.complete if state.complete >= 0 else count(c.session, clause)
    items = page(c.session, c.scope, clause, state.after, c.config.page_size + 1)
    if not items:
        if state.after is None:
            raise OaiError(NO_RECORDS_MATCH, "没有符合条件的开放档案")
        raise OaiError(BAD_RESUMPTION_TOKEN, "续传令牌无效：列表已经结束")
    more, items = len(items) > c.config.page_size, items[: c.config.page_size]
    body = el(c.root, request.verb)
    for item in items:
        if request.verb == "ListRecords":
            _write_record(c, body, item, state.metadata_prefix)
        else:
            header(
                body,
                c.config.identifier(item.record.id),
                item.datestamp,
                record_sets(item.record),
                item.deleted,
            )
    if state.after is None and not more:
        return  # the whole list in one answer: no token at all
    attrs = {"completeListSize": str(max(complete, state.cursor + len(items))), "cursor": str(state.cursor)}
    token = el(body, "resumptionToken", **attrs)
    if more:
        last = items[-1]
        following = ListState(
            state.verb, state.metadata_prefix, state.set_spec, state.since, state.until,
            (last.datestamp, last.record.id), state.cursor + len(items), complete,
        )  # fmt: skip
        expires = c.now + c.config.token_ttl
        token.set("expirationDate", stamp(expires))
        token.text = encode_token(following, c.config.token_key, expires)


_VERBS = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "GetRecord": _get_record,
    "ListIdentifiers": _list,
    "ListRecords": _list,
}
assert set(_VERBS) >= LIST_VERBS
