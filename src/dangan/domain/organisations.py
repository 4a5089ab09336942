"""Organisation (机构) codes used inside the 档号: a short stable code per forming department."""

from __future__ import annotations

import hashlib

# Common departments of a city approval system; anything else gets a derived code.
KNOWN_ORG_CODES = {
    "行政审批局": "XZSP",
    "市场监督管理局": "SCJG",
    "生态环境局": "STHJ",
    "住房和城乡建设局": "ZJJ",
    "卫生健康委员会": "WJW",
    "交通运输局": "JTYS",
    "文化广电和旅游局": "WGLY",
    "税务局": "SWJ",
    "自然资源和规划局": "ZRZY",
    "应急管理局": "YJGL",
    "公安局": "GAJ",
    "水务局": "SWU",
    "农业农村局": "NYNC",
    "教育局": "JYJ",
    "民政局": "MZJ",
    "人力资源和社会保障局": "RSJ",
}


def org_code(department: str) -> str:
    """A stable short code for a department name: known suffixes first, else a hash-derived code."""
    for suffix, code in KNOWN_ORG_CODES.items():
        if department.endswith(suffix):
            return code
    digest = hashlib.sha256(department.encode("utf-8")).hexdigest()[:6].upper()
    return f"D{digest}"
