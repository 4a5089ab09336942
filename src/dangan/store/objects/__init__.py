"""The content-addressed object store: objects keyed by SHA-256, written once (temp, fsync, rename),
encrypted where the settings ask, copied to every replica location (local folder or S3) and read back
with their hash checked."""

from dangan.store.objects._locations import LocalLocation, Location, S3Location
from dangan.store.objects._store import (
    HashMismatch,
    ObjectMissing,
    ObjectStore,
    StoredObject,
    hash_file,
    object_key,
)

__all__ = [
    "HashMismatch",
    "LocalLocation",
    "Location",
    "ObjectMissing",
    "ObjectStore",
    "S3Location",
    "StoredObject",
    "hash_file",
    "object_key",
]
