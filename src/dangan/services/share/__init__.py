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
from dangan.services.share._delivery import RunReport, make_deliveries, run_webhooks, send_due
from dangan.services.share._export import (
    ExportFailed,
    ExportReport,
    archive_identity,
    export_records,
    select_records,
)
from dangan.services.share._import_exchange import import_exchange, is_exchange_bag
from dangan.services.share._oai import DESTROYED, oai_config, oai_response, public_scope, token_key
from dangan.services.share._subscriptions import (
    FeedPage,
    SubscriptionInfo,
    add_subscription,
    changes_for,
    delivery_log,
    list_subscriptions,
    log_machine_read,
    record_metadata,
    remove_subscription,
    require_subscription_admin,
)
from dangan.share import SHARING_KINDS, atom_feed, dat46_schema, json_feed

__all__ = [
    "DESTROYED",
    "SHARING_KINDS",
    "ExportFailed",
    "ExportReport",
    "FeedPage",
    "RuleForm",
    "RunReport",
    "SubscriptionInfo",
    "add_subscription",
    "archive_identity",
    "atom_feed",
    "catalogue_revision",
    "changes_for",
    "dat46_schema",
    "delivery_log",
    "export_records",
    "find_rule",
    "import_exchange",
    "is_exchange_bag",
    "json_feed",
    "list_rules",
    "list_subscriptions",
    "log_machine_read",
    "make_deliveries",
    "may_edit_catalogue",
    "may_view_catalogue",
    "oai_config",
    "oai_response",
    "public_scope",
    "record_metadata",
    "remove_subscription",
    "require_subscription_admin",
    "retire_rule",
    "rule_history",
    "rule_json",
    "run_webhooks",
    "select_records",
    "send_due",
    "set_rule",
    "token_key",
    "version_json",
]
