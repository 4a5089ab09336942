"""Helpers for the check tests: demo packages as `PackageInput`s and a ClamAV database we write ourselves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dangan.checks import (
    DEFAULT_ACCEPTED,
    CheckConfig,
    CheckedFile,
    CheckReport,
    ItemResult,
    PackageInput,
    Stage,
    default_scheme,
    run_scheme,
)
from dangan.collect import parse_case
from tests.factories import package_dir

# The EICAR anti-virus test string, split so that no scanner flags this source file itself.
EICAR = (r"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*").encode("ascii")


def write_eicar_database(dest: Path) -> Path:
    """A one-signature ClamAV database (.ndb, body-based) that detects the EICAR string anywhere."""
    dest.write_text(f"Dangan.Test.EICAR:0:*:{EICAR.hex()}\n", encoding="ascii")
    return dest


@pytest.fixture
def eicar_db(tmp_path: Path) -> str:
    return str(write_eicar_database(tmp_path / "dangan-test.ndb"))


def as_input(root: Path) -> PackageInput:
    """Read a package folder the way services does, but without requiring it to validate."""
    document = json.loads((root / "case.json").read_text(encoding="utf-8"))
    try:
        metadata = parse_case(document)
    except Exception:
        metadata = None
    files = []
    for entry in document.get("files", []):
        size = entry.get("size")
        files.append(
            CheckedFile(entry["path"], entry.get("role"), root / entry["path"], entry.get("sha256"), size)
        )
    return PackageInput(root, document, metadata, tuple(files))


def run(root: Path, stage: Stage = Stage.ARCHIVING, **config: Any) -> CheckReport:
    values: dict[str, Any] = {"accepted_formats": DEFAULT_ACCEPTED}
    values.update(config)
    return run_scheme(default_scheme(stage), as_input(root), CheckConfig(**values))


def item_of(report: CheckReport, code: str) -> ItemResult:
    return next(i for i in report.items if i.code == code)


def edit_case(root: Path, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = json.loads((root / "case.json").read_text(encoding="utf-8"))
    change(doc)
    (root / "case.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return doc


def add_file(root: Path, name: str, data: bytes, role: str | None = None, *, hashed: bool = True) -> None:
    """Put a file in the package and list it in case.json (with its hash unless `hashed` is False)."""
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(data)
    entry: dict[str, Any] = {"path": name}
    if role:
        entry["role"] = role
    if hashed:
        entry["sha256"] = hashlib.sha256(data).hexdigest()
    edit_case(root, lambda d: d["files"].append(entry))


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    """A clean demo package: 申请书, maybe materials, 决定书 (text PDFs with 文号 and applicant)."""
    return package_dir(tmp_path / "in", 0)
