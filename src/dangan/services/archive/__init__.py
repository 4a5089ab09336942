"""One data directory opened (`Archive`) and what every use case writes through it: ledger events and
the access audit trail."""

from dangan.services.archive._archive import Archive, open_archive, store_location
from dangan.services.archive._audit import (
    CLIENT_ADDRESS,
    log_access,
    log_denied,
    log_event,
    record_view,
    with_client,
)
from dangan.services.archive._events import (
    SNAPSHOT_KINDS,
    LedgerError,
    adopt_preexisting,
    key_store,
    ledger_proof,
    ledger_public_keys,
    lock_log,
    make_checkpoint,
    record_event,
    record_snapshot,
)

__all__ = [
    "CLIENT_ADDRESS",
    "SNAPSHOT_KINDS",
    "Archive",
    "LedgerError",
    "adopt_preexisting",
    "key_store",
    "ledger_proof",
    "ledger_public_keys",
    "lock_log",
    "log_access",
    "log_denied",
    "log_event",
    "make_checkpoint",
    "open_archive",
    "record_event",
    "record_snapshot",
    "record_view",
    "store_location",
    "with_client",
]
