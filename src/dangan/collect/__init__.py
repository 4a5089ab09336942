"""Collection: turn folders, ZIPs (and later API payloads and BagIt bags) into `CasePackage`s."""

from dangan.collect.package import CasePackage, PackageFile, PackageRejected, read_folder
from dangan.collect.readers import discover, open_package
from dangan.collect.safepath import path_problem, resolve_inside
from dangan.collect.schema import parse_case

__all__ = [
    "CasePackage",
    "PackageFile",
    "PackageRejected",
    "discover",
    "open_package",
    "parse_case",
    "path_problem",
    "read_folder",
    "resolve_inside",
]
