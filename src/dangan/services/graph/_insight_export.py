"""The insight lists as spreadsheets: CSV (UTF-8 with BOM) and XLSX through the table export of the
scanned pages (`dangan.digitize.tables`: formula-like cells defused, one sheet), Chinese headers, one line
per row. An export is the whole list under the same rights as the page, and it is written to the audit
trail: a list of people and the enterprises they represent is personal data leaving the system.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dangan.access import Principal
from dangan.core import ValidationFailed
from dangan.services.archive import Archive, log_event

from ._insight import INSIGHT_LISTS, InsightQuery, insight_rows

_HEADERS = {
    "expiring": [
        "部门",
        "企业",
        "统一社会信用代码",
        "许可证编号",
        "有效期起",
        "有效期至",
        "剩余天数",
        "档案编号",
    ],
    "addresses": ["地址", "企业数", "企业", "档案编号"],
    "people": ["法定代表人", "企业数", "企业", "档案编号"],
}
EXPORT_LIMIT = 10000
EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


def insight_table(which: str, rows: list[dict[str, Any]]) -> list[list[str]]:
    """The list as a spreadsheet reads it: Chinese headers, one line per row, lists joined by "；"."""

    def joined(items: list[str]) -> str:
        return "；".join(items)

    def firms(row: dict[str, Any]) -> str:
        more = row["count"] - len(row["enterprises"])
        return joined([f"{e['label']}（{e['id']}）" for e in row["enterprises"]]) + (
            f"；等 {row['count']} 家" if more > 0 else ""
        )

    table = [_HEADERS[which]]
    for r in rows:
        if which == "expiring":
            table.append([r["department"], r["enterprise"], r["enterprise_id"], r["licence_number"],
                          r["valid_from"] or "", r["valid_until"], str(r["days_left"]), joined(r["records"])])  # fmt: skip
        else:
            label = r["address"] if which == "addresses" else r["person"]
            table.append([label, str(r["count"]), firms(r), joined(r["records"])])
    return table


def export_insight(
    archive: Archive, user: Principal, which: str, query: InsightQuery, fmt: str, *, today: date | None = None
) -> tuple[bytes, str, str]:
    """(bytes, file name, media type) of the whole list (at most EXPORT_LIMIT rows) as CSV (UTF-8 with BOM,
    for Excel on Chinese Windows) or XLSX, through the table export the scanned pages use; logged."""
    from dangan.digitize.tables import Table, table_csv, tables_xlsx

    if fmt not in EXPORT_TYPES:
        raise ValidationFailed(f"未知导出格式：{fmt}（可选 csv、xlsx）", code="bad_format")
    query.check(which)
    doc = insight_rows(archive, user, which, query, today=today, offset=0, limit=EXPORT_LIMIT)
    table = Table((0, 0, 0, 0), insight_table(which, doc["rows"]))
    data = table_csv(table).encode("utf-8-sig") if fmt == "csv" else tables_xlsx([table])
    log_event(archive, "graph_insight_export", user.username, None,
              {"list": which, "format": fmt, "rows": len(doc["rows"]), "params": doc["params"]})  # fmt: skip
    name = f"{INSIGHT_LISTS[which]}-{doc['params']['today']}.{fmt}"
    return data, name, EXPORT_TYPES[fmt]
