"""四性检测 (DA/T 70-2018): authenticity, integrity, usability and security of a case package.

A registry of check items (codes 1-1 … 4-3), schemes per stage (归档 / 移交 / 长期保存) that say which
items run and which block, and a `CheckReport`. Imports only core and domain: services hands in the
package folder, its case.json and the configuration, and stores the report.
"""

from dangan.checks import authenticity, integrity, security, usability  # noqa: F401  (register items)
from dangan.checks.formats import DEFAULT_ACCEPTED, FormatId, identify
from dangan.checks.model import (
    CheckConfig,
    CheckedFile,
    CheckReport,
    ItemResult,
    Outcome,
    PackageInput,
    Property,
    Stage,
    Verdict,
)
from dangan.checks.ofd import OfdDocument, OfdError, read_ofd
from dangan.checks.registry import REGISTRY, ItemSpec, item_codes
from dangan.checks.scheme import Scheme, default_scheme, run_scheme, scheme_for
from dangan.checks.ses import seal_picture_of
from dangan.checks.signatures import ofd_trust_roots, verify_ofd_signatures
from dangan.checks.virus import ScanResult, scan_tree, scan_tree_clamd

__all__ = [
    "DEFAULT_ACCEPTED",
    "REGISTRY",
    "CheckConfig",
    "CheckReport",
    "CheckedFile",
    "FormatId",
    "ItemResult",
    "ItemSpec",
    "OfdDocument",
    "OfdError",
    "Outcome",
    "PackageInput",
    "Property",
    "ScanResult",
    "Scheme",
    "Stage",
    "Verdict",
    "default_scheme",
    "identify",
    "item_codes",
    "ofd_trust_roots",
    "read_ofd",
    "run_scheme",
    "scan_tree",
    "scan_tree_clamd",
    "scheme_for",
    "seal_picture_of",
    "verify_ofd_signatures",
]
