"""Sharing with the outside under the one access policy: OAI-PMH for the public (`oai_response`);
exchange packages (BagIt bags of records) exported by a user and imported by the archive."""

from dangan.services.share._export import (
    ExportFailed,
    ExportReport,
    archive_identity,
    export_records,
    select_records,
)
from dangan.services.share._import_exchange import import_exchange, is_exchange_bag
from dangan.services.share._oai import DESTROYED, oai_config, oai_response, public_scope, token_key
from dangan.share import dat46_schema

__all__ = [
    "DESTROYED",
    "ExportFailed",
    "ExportReport",
    "archive_identity",
    "dat46_schema",
    "export_records",
    "import_exchange",
    "is_exchange_bag",
    "oai_config",
    "oai_response",
    "public_scope",
    "select_records",
    "token_key",
]
