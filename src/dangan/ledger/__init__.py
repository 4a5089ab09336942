"""The transparency log: RFC 9162 Merkle maths, log storage, signed checkpoints, witness export.

Storage functions take a SQLAlchemy `Connection`, so the caller's transaction decides what commits.
"""

from dangan.ledger.checkpoint import Checkpoint, CheckpointError, last_witnessed, mark_witnessed
from dangan.ledger.checkpoint import all_checkpoints as all_checkpoints
from dangan.ledger.checkpoint import at_size as checkpoint_at
from dangan.ledger.checkpoint import latest as latest_checkpoint
from dangan.ledger.checkpoint import save as save_checkpoint
from dangan.ledger.checkpoint import sign as sign_checkpoint
from dangan.ledger.entry import Entry, EntryError, canonical_json, format_time
from dangan.ledger.log import (
    LedgerCorrupt,
    StoredEntry,
    adoption_marks,
    clear_adoption_marks,
    consistency_proof_at,
    inclusion_proof_at,
    latest_for_record,
    root_at,
)
from dangan.ledger.log import append as append_entries
from dangan.ledger.log import head as ledger_head
from dangan.ledger.log import head_locked as ledger_head_locked
from dangan.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from dangan.ledger.signing import ALGORITHMS, KeyStore, PublicKey
from dangan.ledger.tables import ledger_entry
from dangan.ledger.tables import metadata as ledger_metadata
from dangan.ledger.verify import LedgerProblem, LogReport, verify_log
from dangan.ledger.witness import Witnessed, WitnessFolder

__all__ = [
    "ALGORITHMS",
    "EMPTY_ROOT",
    "Checkpoint",
    "CheckpointError",
    "Entry",
    "EntryError",
    "KeyStore",
    "LedgerCorrupt",
    "LedgerProblem",
    "LogReport",
    "ProofError",
    "PublicKey",
    "StoredEntry",
    "WitnessFolder",
    "Witnessed",
    "adoption_marks",
    "all_checkpoints",
    "append_entries",
    "canonical_json",
    "checkpoint_at",
    "clear_adoption_marks",
    "consistency_proof",
    "consistency_proof_at",
    "format_time",
    "inclusion_proof",
    "inclusion_proof_at",
    "last_witnessed",
    "latest_checkpoint",
    "latest_for_record",
    "leaf_hash",
    "ledger_entry",
    "ledger_head",
    "ledger_head_locked",
    "ledger_metadata",
    "mark_witnessed",
    "root",
    "root_at",
    "save_checkpoint",
    "sign_checkpoint",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
]
