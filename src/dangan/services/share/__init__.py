"""Sharing under the one access policy: the sharing catalogue (共享目录) the archive department keeps
(`set_rule`, `retire_rule`); OAI-PMH for the public (`oai_response`); exchange packages (BagIt bags of
records) exported by a user and imported by the archive."""

from dangan.services.share._catalogue import (
    RuleForm,
    catalogue_revision,
    find_rule,
    list_rules,
    may_edit_catalogue,
    may_view_catalogue,
    retire_rule,
    rule_history,
    rule_json,
    set_rule,
    version_json,
)
from dangan.services.share._export import (
    ExportFailed,
    ExportReport,
    archive_identity,
    export_records,
    select_records,
)
from dangan.services.share._import_exchange import import_exchange, is_exchange_bag
from dangan.services.share._oai import DESTROYED, oai_config, oai_response, public_scope, token_key
from dangan.share import SHARING_KINDS, dat46_schema

__all__ = [
    "DESTROYED",
    "SHARING_KINDS",
    "ExportFailed",
    "ExportReport",
    "RuleForm",
    "archive_identity",
    "catalogue_revision",
    "dat46_schema",
    "export_records",
    "find_rule",
    "import_exchange",
    "is_exchange_bag",
    "list_rules",
    "may_edit_catalogue",
    "may_view_catalogue",
    "oai_config",
    "oai_response",
    "public_scope",
    "retire_rule",
    "rule_history",
    "rule_json",
    "select_records",
    "set_rule",
    "token_key",
    "version_json",
]
