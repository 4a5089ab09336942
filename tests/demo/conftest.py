"""Shared material for the demo-generator tests: one generated set and the reference tables."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dangan.demo import DemoCase, generate_cases

SHARED = Path(__file__).resolve().parents[3] / "shared"
REFDATA = SHARED / "vectors" / "refdata"
SAMPLE_SIZE = 300


def _read_csv(name: str) -> list[dict[str, str]]:
    path = REFDATA / name
    assert path.is_file(), (
        f"reference table missing: {path} (expected ../shared/vectors/refdata beside the repo)"
    )
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def industry_classes() -> dict[str, tuple[str, str]]:
    """GB/T 4754-2017 class code -> (section letter, name)."""
    rows = _read_csv("gbt4754_2017_industry_codes.csv")
    classes = {r["code"]: (r["section"], r["name"]) for r in rows if r["level"] == "class"}
    assert len(classes) > 1300, "the GB/T 4754-2017 table looks truncated"
    return classes


@pytest.fixture(scope="session")
def divisions() -> dict[str, dict[str, str]]:
    """GB/T 2260 county-level code -> row (name, province, city)."""
    rows = _read_csv("gb2260_admin_divisions_jionlp.csv")
    return {r["code"]: r for r in rows if r["level"] == "county"}


@pytest.fixture(scope="session")
def sample() -> list[DemoCase]:
    return list(generate_cases(SAMPLE_SIZE))
