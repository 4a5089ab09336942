"""The monthly report: its numbers equal direct counts as the user may see them, its summary says them,
the PDF is a real multi-page Chinese document with charts, and `dangan report monthly` keeps the CLI
contract (one JSON document, exit 2 with a Chinese message on bad input, nothing written then)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from dangan.access import Principal, Role
from dangan.core import ValidationFailed, load_settings
from dangan.domain import SecurityLevel
from dangan.insight import monthly_report, monthly_report_pdf, parse_month
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from tests.cli.invoke import invoke
from tests.insight.material import SCJG, Row, catalogue_rows, write_material

KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
CLERK = Principal("clerk", Role.CLERK, department=SCJG, clearance=SecurityLevel.INTERNAL)
PASSWORD = "Correct-Horse-9\n"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    write_material(root / "in", 60, seed=53)
    arc = open_archive(load_settings(root / "data"))
    try:
        assert not import_paths(arc, [root / "in"]).rejected
    finally:
        arc.close()
    d = str(root / "data")
    added = invoke("user", "add", "keeper", "--role", "archivist", "--clearance", "机密", "--password-stdin",
                   "--data", d, input=PASSWORD)  # fmt: skip
    assert added.returncode == 0, added.stderr
    return root / "data"


@pytest.fixture
def arc(data_dir: Path) -> Iterator[Archive]:
    a = open_archive(load_settings(data_dir))
    try:
        yield a
    finally:
        a.close()


def _busiest_month(rows: list[Row]) -> date:
    months = [r["decided_at"].replace(day=1) for r in rows]
    return max(set(months), key=lambda m: (months.count(m), m))


def _in(rows: list[Row], first: date, keep: object = None) -> list[Row]:
    return [r for r in rows if r["decided_at"].replace(day=1) == first and (keep is None or keep(r))]  # type: ignore[operator]


def test_numbers_equal_direct_counts_and_the_summary_says_them(arc: Archive) -> None:
    rows = catalogue_rows(arc)
    month = _busiest_month(rows)
    report = monthly_report(arc, KEEPER, month)
    prev = date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
    assert report.total == len(_in(rows, month))
    assert report.previous == len(_in(rows, prev))
    assert report.year_earlier == len(_in(rows, month.replace(year=month.year - 1)))
    assert sum(c.count for c in report.departments) == report.total
    assert sum(n for _k, n in report.results) == report.total
    assert report.trend[-1] == (report.label, report.total) and len(report.trend) == 12
    assert f"共办结审批 {report.total:,} 件" in report.summary[0]
    assert "按时办结率" in report.summary[1]
    doc = report.as_json()
    assert {"month", "total", "previous_month", "same_month_last_year", "summary", "slowest_matters"} <= set(
        doc
    )

    mine = monthly_report(arc, CLERK, month)
    his = _in(rows, month, lambda r: r["department"] == SCJG and r["security_rank"] <= 1)
    assert mine.total == len(his) and {c.label for c in mine.departments if c.count} <= {SCJG}


def test_the_pdf_has_the_summary_and_the_charts(arc: Archive) -> None:
    month = _busiest_month(catalogue_rows(arc))
    report, pdf, name = monthly_report_pdf(arc, KEEPER, month)
    assert pdf.startswith(b"%PDF") and name.endswith(f"{month:%Y-%m}.pdf")
    document = pdfium.PdfDocument(pdf)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "行政审批档案统计月报" in text and "办理最慢的事项" in text and "各部门办结量" in text
    assert f"{report.total:,}" in text


def test_an_empty_month_still_prints(arc: Archive) -> None:
    report, pdf, _name = monthly_report_pdf(arc, KEEPER, date(1999, 1, 1))
    assert report.total == 0 and "没有可统计" in report.summary[0] and pdf.startswith(b"%PDF")


@pytest.mark.parametrize("text", ["2024-13", "2024/03", "24-03", "", "2024-3"])
def test_a_bad_month_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_month(text)
    assert "YYYY-MM" in caught.value.message


def test_cli_contract(arc: Archive, data_dir: Path, tmp_path: Path) -> None:
    month = _busiest_month(catalogue_rows(arc))
    out = tmp_path / "月报.pdf"
    done = invoke("report", "monthly", "--month", f"{month:%Y-%m}", "--as", "keeper", "--out", str(out),
                  "--data", str(data_dir), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["out"] == str(out) and doc["bytes"] == out.stat().st_size and out.read_bytes()[:4] == b"%PDF"
    assert doc["total"] == monthly_report(arc, KEEPER, month).total
    bad = tmp_path / "bad.pdf"
    refused = invoke("report", "monthly", "--month", "2024-13", "--as", "keeper", "--out", str(bad),
                     "--data", str(data_dir), "--json")  # fmt: skip
    assert refused.returncode == 2 and refused.stdout == "" and "无法识别" in refused.stderr
    assert not bad.exists()
    nobody = invoke("report", "monthly", "--month", "2024-03", "--out", str(bad), "--data", str(data_dir))
    assert nobody.returncode == 2 and not bad.exists()
