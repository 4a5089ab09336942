"""Catalogue (SQLAlchemy models, migrations, shared queries) and the content-addressed object store."""

from dangan.store.apikeys import ApiKey
from dangan.store.auth_factors import AuthFactor, RecoveryCode
from dangan.store.catalog import (
    allocate_item,
    ensure_department,
    ensure_fonds,
    ensure_matter,
    find_by_source,
    get_record,
)
from dangan.store.certificates import Certificate
from dangan.store.collection import (
    QUARANTINE_HELD,
    QUARANTINE_RELEASED,
    QUARANTINE_RETURNED,
    CheckReportRow,
    MatterRule,
    QuarantineEntry,
)
from dangan.store.crypto import DecryptionFailed, MasterKey, WrappedKey
from dangan.store.db import Database, make_engine
from dangan.store.handover import (
    HANDOVER_ACCEPTED,
    HANDOVER_PENDING,
    HANDOVER_RETURNED,
    HANDOVER_STATUSES,
    HANDOVER_SUBMITTED,
    HandoverBatch,
    HandoverItem,
)
from dangan.store.keyring import KeyRing, create_master_key_file, load_keyring
from dangan.store.locations import LocalLocation, Location, S3Location
from dangan.store.migrate import downgrade, upgrade
from dangan.store.models import (
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
from dangan.store.monitoring import ALERT_ACKNOWLEDGED, ALERT_OPEN, Alert
from dangan.store.objects import HashMismatch, ObjectMissing, ObjectStore, StoredObject, hash_file, object_key
from dangan.store.preservation import COPY_DONE, COPY_FAILED, PreservationCopy
from dangan.store.utilization import (
    REQUEST_APPROVED,
    REQUEST_PENDING,
    REQUEST_REJECTED,
    REQUEST_REVOKED,
    REQUEST_STATUSES,
    SCOPE_DOWNLOAD,
    SCOPE_VIEW,
    SCOPES,
    UtilizationItem,
    UtilizationRequest,
)

__all__ = [
    "ALERT_ACKNOWLEDGED",
    "ALERT_OPEN",
    "COPY_DONE",
    "COPY_FAILED",
    "HANDOVER_ACCEPTED",
    "HANDOVER_PENDING",
    "HANDOVER_RETURNED",
    "HANDOVER_STATUSES",
    "HANDOVER_SUBMITTED",
    "QUARANTINE_HELD",
    "QUARANTINE_RELEASED",
    "QUARANTINE_RETURNED",
    "REQUEST_APPROVED",
    "REQUEST_PENDING",
    "REQUEST_REJECTED",
    "REQUEST_REVOKED",
    "REQUEST_STATUSES",
    "SCOPES",
    "SCOPE_DOWNLOAD",
    "SCOPE_VIEW",
    "Alert",
    "ApiKey",
    "AuthFactor",
    "Base",
    "Certificate",
    "CheckReportRow",
    "Database",
    "DecryptionFailed",
    "Department",
    "Event",
    "Fonds",
    "HandoverBatch",
    "HandoverItem",
    "HashMismatch",
    "KeyRing",
    "LocalLocation",
    "Location",
    "MasterKey",
    "Matter",
    "MatterRule",
    "ObjectMissing",
    "ObjectStore",
    "PreservationCopy",
    "QuarantineEntry",
    "Record",
    "RecordFile",
    "RecoveryCode",
    "S3Location",
    "SearchDoc",
    "SeriesCounter",
    "StoredObject",
    "User",
    "UtilizationItem",
    "UtilizationRequest",
    "WrappedKey",
    "allocate_item",
    "create_master_key_file",
    "downgrade",
    "ensure_department",
    "ensure_fonds",
    "ensure_matter",
    "find_by_source",
    "get_record",
    "hash_file",
    "load_keyring",
    "make_engine",
    "object_key",
    "upgrade",
]
