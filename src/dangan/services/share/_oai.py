"""OAI-PMH for the public: the endpoint (`dangan.share.oai`) run over what the one access policy lets the
anonymous principal read, with the masking the public sees everywhere else.

The repository names itself from the settings: `oai_repository_identifier` (default `dangan.local`, so
item identifiers are `oai:dangan.local:<record id>` and stay stable when the public address changes),
`oai_admin_email` (default `archive@<identifier>`), `oai_page_size` (default 200 per page). The resumption-token key is derived from `DANGAN_SECRET_KEY` (HMAC with its own
label), so tokens are signed by the archive's secret and die with it when it is rotated.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, true

from dangan.access import ANONYMOUS, mask_text, record_filter
from dangan.core import utcnow
from dangan.share import DEFAULT_PAGE_SIZE, DEFAULT_REPOSITORY_IDENTIFIER, OaiConfig, Scope, answer
from dangan.store.catalog import Record

from ..archive import Archive

DESTROYED = "已销毁"  # Record.lifecycle_status of a record disposal (issue #20) destroyed
OAI_PATH = "/oai"


def token_key(archive: Archive) -> bytes:
    secret = archive.settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, b"oai-resumption-token", hashlib.sha256).digest()


def oai_config(archive: Archive, request_base: str) -> OaiConfig:
    """`request_base`: the address the request came to (scheme://host[:port]), used when
    DANGAN_PUBLIC_URL is not set."""
    settings = archive.settings
    identifier = settings.oai_repository_identifier or DEFAULT_REPOSITORY_IDENTIFIER
    public = settings.public_url or request_base
    return OaiConfig(
        repository_name=archive.settings.fonds_name,
        base_url=public.rstrip("/") + OAI_PATH,
        repository_identifier=identifier,
        admin_email=settings.oai_admin_email or f"archive@{identifier}",
        token_key=token_key(archive),
        page_size=settings.oai_page_size or DEFAULT_PAGE_SIZE,
    )


def _destroyed() -> ColumnElement[bool]:
    """Records disposal destroyed that were open: reported as deleted (their metadata stays)."""
    return and_(Record.lifecycle_status == DESTROYED, Record.open_to_public == true())


def public_scope() -> Scope:
    return Scope(visible=record_filter(ANONYMOUS), deleted=_destroyed(), clean=mask_text)


def oai_response(archive: Archive, params: Iterable[tuple[str, str]], request_base: str) -> bytes:
    """The XML answer to one OAI-PMH request (its GET query or POST form arguments, in order)."""
    config = oai_config(archive, request_base)
    with archive.db.read() as session:
        return answer(session, public_scope(), config, params, utcnow())
