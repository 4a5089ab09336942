"""Writing packages: case.json as the contract says, files that match, nothing half-written."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import dangan.demo
from dangan.core import ValidationFailed
from dangan.demo import make_case, write_case, write_demo_set


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_write_case_layout(tmp_path: Path) -> None:
    c = make_case(1)
    folder = write_case(c, tmp_path)
    assert folder == tmp_path / c.case["source_id"]
    raw = (folder / "case.json").read_bytes()
    text = raw.decode("utf-8")
    assert c.case["department"] in text, "Chinese is written as is, not escaped"
    assert text.startswith('{\n  "source_system"')
    assert json.loads(text) == c.case
    for f in c.case["files"]:
        assert hashlib.sha256((folder / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [c.case["source_id"]], "no temporary folders left"


def test_rewrite_replaces_the_package(tmp_path: Path) -> None:
    write_case(make_case(2, extra={"旧": 1}), tmp_path)
    folder = write_case(make_case(2), tmp_path)
    assert json.loads((folder / "case.json").read_text("utf-8"))["extra"] != {"旧": 1}
    assert len(list(tmp_path.iterdir())) == 1


@pytest.mark.parametrize("source_id", ["../escape", "a/b", "", ".."])
def test_unsafe_source_id_is_refused(tmp_path: Path, source_id: str) -> None:
    with pytest.raises(ValidationFailed):
        write_case(make_case(1, source_id=source_id), tmp_path / "out")
    assert not (tmp_path / "escape").exists()


def test_unsafe_file_path_leaves_nothing(tmp_path: Path) -> None:
    c = make_case(1)
    c.files["../evil.pdf"] = b"x"
    with pytest.raises(ValidationFailed):
        write_case(c, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "evil.pdf").exists()


def test_write_demo_set_is_reproducible(tmp_path: Path) -> None:
    seen: list[int] = []
    paths = write_demo_set(tmp_path / "a", 6, seed=3, progress=seen.append)
    assert seen == [1, 2, 3, 4, 5, 6]
    assert len(paths) == 6 and all((p / "case.json").is_file() for p in paths)
    write_demo_set(tmp_path / "b", 6, seed=3)
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_public_surface_is_pinned() -> None:
    assert sorted(dangan.demo.__all__) == sorted(
        [
            "DEPARTMENTS",
            "DISTRICTS",
            "FONT_MISSING",
            "INDUSTRIES",
            "MATTERS",
            "DemoCase",
            "case_json",
            "find_cjk_font",
            "generate_cases",
            "make_case",
            "write_case",
            "write_demo_set",
        ]
    )
    for name in dangan.demo.__all__:
        assert hasattr(dangan.demo, name)
