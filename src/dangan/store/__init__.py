"""Catalogue (SQLAlchemy models, migrations, shared queries) and the content-addressed object store."""

from dangan.store.catalog import (
    allocate_item,
    ensure_department,
    ensure_fonds,
    ensure_matter,
    find_by_source,
    get_record,
)
from dangan.store.db import Database, make_engine
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
from dangan.store.objects import HashMismatch, LocalObjectStore, StoredObject, hash_file

__all__ = [
    "Base",
    "Database",
    "Department",
    "Event",
    "Fonds",
    "HashMismatch",
    "LocalObjectStore",
    "Matter",
    "Record",
    "RecordFile",
    "SearchDoc",
    "SeriesCounter",
    "StoredObject",
    "User",
    "allocate_item",
    "downgrade",
    "ensure_department",
    "ensure_fonds",
    "ensure_matter",
    "find_by_source",
    "get_record",
    "hash_file",
    "make_engine",
    "upgrade",
]
