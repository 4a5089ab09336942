"""Collection: turn folders, ZIPs, BagIt bags (and API payloads) into `CasePackage`s, unpacking safely."""

from dangan.collect.bagit import is_bag, require_valid_bag, validate_bag
from dangan.collect.bagit_report import BagError, BagInvalid, BagIssue, BagReport
from dangan.collect.casejson import decode_case_bytes, decode_case_json
from dangan.collect.package import CasePackage, PackageFile, PackageRejected, read_folder
from dangan.collect.readers import discover, open_package
from dangan.collect.safepath import path_problem, resolve_inside
from dangan.collect.schema import parse_case
from dangan.collect.unpack import UnpackLimits, unpacked

__all__ = [
    "BagError",
    "BagInvalid",
    "BagIssue",
    "BagReport",
    "CasePackage",
    "PackageFile",
    "PackageRejected",
    "UnpackLimits",
    "decode_case_bytes",
    "decode_case_json",
    "discover",
    "is_bag",
    "open_package",
    "parse_case",
    "path_problem",
    "read_folder",
    "require_valid_bag",
    "resolve_inside",
    "unpacked",
    "validate_bag",
]
