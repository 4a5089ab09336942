"""Catalogue (SQLAlchemy models, migrations, shared queries) and the content-addressed object store."""

from dangan.store.apikeys import ApiKey
from dangan.store.auth_factors import AuthFactor, RecoveryCode
from dangan.store.catalog import (
    allocate_item,
    ensure_department,
    ensure_fonds,
    ensure_matter,
    find_by_source,
    find_by_sources,
    forget_catalog_cache,
    get_record,
)
from dangan.store.certificates import Certificate
from dangan.store.collection import CheckReportRow, MatterRule, QuarantineEntry
from dangan.store.crypto import DecryptionFailed, MasterKey, WrappedKey
from dangan.store.db import Database, make_engine
from dangan.store.handover import HandoverBatch, HandoverItem
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
from dangan.store.monitoring import Alert
from dangan.store.objects import HashMismatch, ObjectMissing, ObjectStore, StoredObject, hash_file, object_key
from dangan.store.preservation import PreservationCopy
from dangan.store.utilization import UtilizationItem, UtilizationRequest

__all__ = [
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
    "find_by_sources",
    "forget_catalog_cache",
    "get_record",
    "hash_file",
    "load_keyring",
    "make_engine",
    "object_key",
    "upgrade",
]
