"""The catalogue: SQLAlchemy models of every table, the writer-serialised database, Alembic migrations
(run from code) and the few queries several use cases share (find a record by its source, allocate an
item number)."""

from dangan.store.catalog._apikeys import ApiKey
from dangan.store.catalog._auth_factors import AuthFactor, RecoveryCode
from dangan.store.catalog._certificates import Certificate
from dangan.store.catalog._collection import CheckReportRow, MatterRule, QuarantineEntry
from dangan.store.catalog._db import Database, make_engine
from dangan.store.catalog._digitization import (
    DerivativeRow,
    DigitizationBatch,
    DigitizationFile,
    DigitizationPage,
    derivative_objects,
    derivative_verified_since,
    stamp_derivatives,
)
from dangan.store.catalog._embedding import RecordEmbedding
from dangan.store.catalog._extraction import ClassifierModel, ConfirmedDescription, ExtractionProposal
from dangan.store.catalog._graph import GraphEdge, GraphNode, GraphSecret
from dangan.store.catalog._handover import HandoverBatch, HandoverItem
from dangan.store.catalog._lifecycle import (
    DisposalApproval,
    DisposalBatch,
    DisposalItem,
    DisposalRegister,
    LegalHold,
    RetentionReview,
)
from dangan.store.catalog._migrate import downgrade, head_revisions, stored_revisions, upgrade
from dangan.store.catalog._models import (
    Base,
    Department,
    Event,
    Fonds,
    Matter,
    Record,
    RecordFile,
    SearchDoc,
    SeriesCounter,
    User,
)
from dangan.store.catalog._monitoring import Alert
from dangan.store.catalog._preservation import PreservationCopy
from dangan.store.catalog._queries import (
    allocate_item,
    ensure_department,
    ensure_fonds,
    ensure_matter,
    find_by_source,
    find_by_sources,
    forget_catalog_cache,
    get_record,
)
from dangan.store.catalog._search import SearchClick, SearchLog, SearchOutbox, SearchSynonym
from dangan.store.catalog._sharing import SharingRule, SharingRuleVersion
from dangan.store.catalog._subscriptions import Subscription, WebhookAttempt, WebhookDelivery
from dangan.store.catalog._utilization import UtilizationItem, UtilizationRequest

__all__ = [
    "Alert",
    "ApiKey",
    "AuthFactor",
    "Base",
    "Certificate",
    "CheckReportRow",
    "ClassifierModel",
    "ConfirmedDescription",
    "Database",
    "Department",
    "DerivativeRow",
    "DigitizationBatch",
    "DigitizationFile",
    "DigitizationPage",
    "DisposalApproval",
    "DisposalBatch",
    "DisposalItem",
    "DisposalRegister",
    "Event",
    "ExtractionProposal",
    "Fonds",
    "GraphEdge",
    "GraphNode",
    "GraphSecret",
    "HandoverBatch",
    "HandoverItem",
    "LegalHold",
    "Matter",
    "MatterRule",
    "PreservationCopy",
    "QuarantineEntry",
    "Record",
    "RecordEmbedding",
    "RecordFile",
    "RecoveryCode",
    "RetentionReview",
    "SearchClick",
    "SearchDoc",
    "SearchLog",
    "SearchOutbox",
    "SearchSynonym",
    "SeriesCounter",
    "SharingRule",
    "SharingRuleVersion",
    "Subscription",
    "User",
    "UtilizationItem",
    "UtilizationRequest",
    "WebhookAttempt",
    "WebhookDelivery",
    "allocate_item",
    "derivative_objects",
    "derivative_verified_since",
    "downgrade",
    "ensure_department",
    "ensure_fonds",
    "ensure_matter",
    "find_by_source",
    "find_by_sources",
    "forget_catalog_cache",
    "get_record",
    "head_revisions",
    "make_engine",
    "stamp_derivatives",
    "stored_revisions",
    "upgrade",
]
