"""Writing demo cases to disk as case package v1 folders (`<source_id>/case.json` plus files)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from dangan.core import ValidationFailed
from dangan.demo.generator import DemoCase, generate_cases


def _safe_name(value: str, what: str) -> str:
    if not value or value in (".", "..") or "/" in value or "\\" in value or "\x00" in value:
        raise ValidationFailed(f"{what}不能用作文件夹名称：{value!r}", code="unsafe_path")
    return value


def _safe_relative(path: str) -> PurePosixPath:
    p = PurePosixPath(path)
    if not path or p.is_absolute() or any(part in ("", ".", "..") for part in p.parts) or "\\" in path:
        raise ValidationFailed(f"文件路径不安全：{path!r}", code="unsafe_path")
    return p


def case_json(demo_case: DemoCase) -> bytes:
    """case.json as written: UTF-8, Chinese kept as is, two-space indent, final newline."""
    return (json.dumps(demo_case.case, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_case(demo_case: DemoCase, dest_dir: Path) -> Path:
    """Write `dest_dir/<source_id>/` with case.json and the files; replaces an older copy whole.

    Everything is written into a hidden temporary folder beside the target and renamed into place,
    so a reader never sees a half-written package.
    """
    dest_dir = Path(dest_dir)
    name = _safe_name(str(demo_case.case.get("source_id", "")), "source_id")
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / name
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".tmp", dir=dest_dir))
    try:
        (tmp / "case.json").write_bytes(case_json(demo_case))
        for rel, data in demo_case.files.items():
            out = tmp.joinpath(*_safe_relative(rel).parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        os.chmod(tmp, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".old", dir=dest_dir))
            os.replace(target, old / name)
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def write_demo_set(
    dest: Path, count: int, seed: int = 2024, progress: Callable[[int], None] | None = None
) -> list[Path]:
    """Generate `count` cases and write each as a package folder under `dest`; returns the folders.

    `progress` is called with the number of cases written so far after each one.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for demo_case in generate_cases(count, seed):
        written.append(write_case(demo_case, dest))
        if progress is not None:
            progress(len(written))
    return written
