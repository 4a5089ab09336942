"""Helpers for tests that run the real `dangan` command in separate processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.demo import generate_cases, write_case

if TYPE_CHECKING:
    from dangan.services.intake import ImportReport


def dangan_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "dangan", *args]


def run_dangan(*args: str, env: dict[str, str] | None = None, input: str | None = None,
               timeout: float = 300) -> subprocess.CompletedProcess[str]:  # fmt: skip
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        dangan_cmd(*args), capture_output=True, text=True, env=full_env, input=input, timeout=timeout
    )


def json_of(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.stdout.strip(), f"no JSON on stdout; stderr:\n{proc.stderr}"
    return json.loads(proc.stdout)


def write_pool(dest: Path, count: int, seed: int = 99) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    return [write_case(case, dest) for case in generate_cases(count, seed=seed)]


def case_keys(pkgs: list[Path]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for p in pkgs:
        doc = json.loads((p / "case.json").read_text(encoding="utf-8"))
        keys.add((doc["source_system"], doc["source_id"]))
    return keys


def accepted_ids(report: ImportReport) -> list[str]:
    """The record ids an import gave the packages it accepted (each accepted package has one)."""
    ids = [o.record_id for o in report.accepted]
    assert all(ids), ids
    return [i for i in ids if i]
