"""Test factories: the same generator as `dangan demo`, so tests see the cases users see."""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dangan.demo import DemoCase, make_case, write_case

if TYPE_CHECKING:
    from dangan.services.archive import Archive


def demo_case(seed: int = 0, **overrides: Any) -> DemoCase:
    return make_case(seed, **overrides)


def package_dir(tmp_path: Path, seed: int = 0, **overrides: Any) -> Path:
    """A case package folder on disk."""
    return write_case(make_case(seed, **overrides), tmp_path)


def rewrite_case_json(pkg: Path, change: Any) -> dict[str, Any]:
    """Apply `change(doc)` to a package's case.json in place and return the new document."""
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    new = copy.deepcopy(doc)
    change(new)
    (pkg / "case.json").write_text(json.dumps(new, ensure_ascii=False, indent=2), encoding="utf-8")
    return new


def zip_package(pkg: Path, dest: Path, *, top_folder: bool = True) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(pkg.rglob("*")):
            if f.is_file():
                rel = f.relative_to(pkg.parent if top_folder else pkg)
                zf.write(f, rel.as_posix())
    return dest


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def demo_archive(
    root: Path, count: int, seed: int, **settings: Any
) -> Iterator[tuple[Archive, list[dict[str, Any]]]]:
    """An archive holding `count` generated demo cases (their case.json documents returned as the truth
    tests compare with), closed afterwards; `settings` go to `load_settings` (database_url, search_engine)."""
    from dangan.core import load_settings
    from dangan.demo import generate_cases
    from dangan.services.archive import open_archive
    from dangan.services.intake import import_paths

    cases = []
    for case in generate_cases(count, seed=seed):
        write_case(case, root / "in")
        cases.append(case.case)
    archive = open_archive(load_settings(root / "data", **settings))
    try:
        report = import_paths(archive, [root / "in"])
        assert not report.rejected, [o.problems for o in report.rejected][:3]
        yield archive, cases
    finally:
        archive.close()
