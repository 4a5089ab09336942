"""Test factories: the same generator as `dangan demo`, so tests see the cases users see."""

from __future__ import annotations

import copy
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from dangan.demo import DemoCase, make_case, write_case


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
