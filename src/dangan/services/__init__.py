"""Use cases: the only place that coordinates several packages in one unit of work.

Grouped by capability, each a subpackage with private modules behind a small face; a subpackage may use
only those above it in this list (tests/test_layers.py holds the order):

- `archive`: opening a data directory (`Archive`), events into the ledger, the access audit trail;
- `accounts`: people, roles, sign-in factors, business systems' API keys, grants from approved requests;
- `records`: reading one record or file under the access policy;
- `preservation`: PDF/A copies, fixity audits, ledger verification, backup and restore, key rotation;
- `utilisation`: search, delivering files (previews, downloads, redaction), utilisation requests;
- `graph`: the knowledge graph under the access policy (a node's neighbourhood, the enterprise 360° view,
  the rebuild);
- `digitization`: scans read (OCR, seals, tables), checked against DA/T 31 and repaired;
- `quality`: 四性检测 of packages and records, quarantine, matter rules, check reports;
- `intake`: every way in (API, upload, folders, ZIP, BagIt, watched folder), ingest, the demo archive;
- `handover`: departments' handover batches and their forms;
- `lifecycle`: retention, appraisal batches, the approval chain, disposal (crypto-shredding every copy),
  the disposal register, legal holds;
- `certify`: certified copies and their verification;
- `share`: exchange packages (export bags, their checked import) and OAI-PMH over the open catalogue;
- `oversight`: the audit log for the auditor, monitoring and alerts, duty homes of the three administrators;
- `practice`: practice mode — sandbox archives from demo data, reset, exercises checked and scored.

A subpackage is imported on first use, so a command that searches does not load the PDF builders.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = [
    "accounts",
    "archive",
    "certify",
    "digitization",
    "graph",
    "handover",
    "intake",
    "lifecycle",
    "oversight",
    "practice",
    "preservation",
    "quality",
    "records",
    "share",
    "utilisation",
]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
