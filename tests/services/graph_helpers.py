"""Records made for graph tests: a demo case with the applicant, matter or level a test needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dangan.domain import id_check_char, uscc_check_char
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from tests.factories import demo_case, package_dir


def uscc(body: str) -> str:
    return body + uscc_check_char(body)


def id_number(body: str) -> str:
    return body + id_check_char(body)


def add_case(archive: Archive, root: Path, seed: int, **overrides: Any) -> str:
    """Import one demo case whose applicant fields and top-level fields are overridden; its record id."""
    base = demo_case(seed).case
    applicant = {**base["applicant"], **overrides.pop("applicant", {})}
    applicant = {k: v for k, v in applicant.items() if v is not None}
    folder = package_dir(root / f"c{seed}", seed, applicant=applicant, **overrides)
    report = import_paths(archive, [folder], workers=1)
    assert report.accepted, [o.problems for o in report.rejected]
    record_id = report.accepted[0].record_id
    assert record_id is not None
    return record_id
