"""`dangan preserve --json`: the contract, --limit, a progress bar on request, and an idempotent re-run."""

from __future__ import annotations

from pathlib import Path

from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.helpers import json_of


def test_preserve_json_limit_and_rerun(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    pkg = package_dir(tmp_path / "in", 31)
    assert invoke("import", "--data", data, str(pkg)).returncode == 0
    files = len([p for p in pkg.iterdir() if p.suffix == ".pdf"])

    first = invoke("preserve", "--data", data, "--json", "--limit", "1", env={"DANGAN_PROGRESS": "1"})
    assert first.returncode == 0, first.stderr
    doc = json_of(first)
    assert doc["processed"] == 1 and doc["normalised"] == 1 and doc["remaining"] == files - 1
    item = doc["items"][0]
    assert (
        item["outcome"] == "normalised"
        and item["puid"] in ("fmt/17", "fmt/18")
        and len(item["copy_sha256"]) == 64
    )
    assert "1/1" in first.stderr and "已生成保存副本" in first.stderr  # the progress bar

    rest = json_of(invoke("preserve", "--data", data, "--json"))
    assert rest["normalised"] == files - 1 and rest["remaining"] == 0
    again = invoke("preserve", "--data", data)
    assert again.returncode == 0 and "处理文件 0 个" in again.stderr


def test_invalid_policy_is_reported_in_chinese(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "dangan.toml").write_text('[preservation]\nnormalise = { pdf = "docx" }\n', encoding="utf-8")
    proc = invoke("preserve", "--data", str(data), "--json")
    assert proc.returncode != 0 and "不受支持" in proc.stderr and not proc.stdout.strip()
