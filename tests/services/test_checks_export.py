"""The report as XLSX: from the service, the record page's link (access-checked) and the CLI."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped]

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from tests.factories import package_dir
from tests.helpers import run_dangan
from tests.web.conftest import login

PASSWORD = "Dangan@2024"


def _rows(data: bytes) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    wb = load_workbook(io.BytesIO(data))
    return list(wb["检测结果"].iter_rows(values_only=True)), list(wb["概要"].iter_rows(values_only=True))


def test_record_report_downloads_as_xlsx_for_readers_only(tmp_path: Path) -> None:
    from dangan.web import create_app

    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
        add_user(archive, "other", PASSWORD, "clerk", department="秦皇岛市生态环境局")
        pkg = package_dir(tmp_path / "in", 60, department="秦皇岛市市场监督管理局")
        record_id = import_paths(archive, [pkg]).accepted[0].record_id
        with TestClient(create_app(archive), follow_redirects=False) as client:
            login(client, "archivist")
            page = client.get(f"/records/{record_id}")
            assert f"/records/{record_id}/checks.xlsx" in page.text
            got = client.get(f"/records/{record_id}/checks.xlsx")
            assert got.status_code == 200 and got.headers["content-type"].startswith(
                "application/vnd.openxml"
            )
            items, summary = _rows(got.content)
            assert items[0][:4] == ("编号", "属性", "检测项", "结果")
            assert [r[0] for r in items[1:]][:2] == ["1-1", "1-2"] and len(items) == 17
            assert ("结论", "通过") in summary
        with TestClient(create_app(archive), follow_redirects=False) as client:
            login(client, "other")
            assert client.get(f"/records/{record_id}/checks.xlsx").status_code == 404
    finally:
        archive.close()


def test_cli_writes_the_workbook(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 61)
    (pkg / "多余.txt").write_text("x")
    out = tmp_path / "报告.xlsx"
    proc = run_dangan("check", str(pkg), "--xlsx", str(out), "--data", str(tmp_path / "data"))
    assert proc.returncode == 1
    items, summary = _rows(out.read_bytes())
    row = next(r for r in items if r[0] == "2-4")
    assert row[3] == "不通过" and "多余.txt" in row[5]
    assert ("结论", "不通过") in summary
