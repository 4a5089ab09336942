"""A fast synthetic loader for search benchmarks: catalogue rows and search text written straight into
the embedded catalogue (no packages, no files, no checks, no ledger) — the archive's search sees the same
tables it sees after real ingest, at a million records in minutes instead of hours.

The vocabulary is the demo city's (departments, matters, districts) with generated firms and people, so
the query parser meets the words it will meet in a real archive.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from dangan.demo import DEPARTMENTS, DISTRICTS, MATTERS
from dangan.domain import SecurityLevel
from dangan.index import document_tokens

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强淑珍玉兰凤英海燕春梅红梅丽华文博子涵浩然梓轩宇航欣怡雨欣思远"
BRANDS = [
    "金沙",
    "海滨",
    "燕山",
    "港城",
    "渤海",
    "长城",
    "老龙",
    "北港",
    "秦港",
    "鑫达",
    "恒通",
    "永兴",
    "宏远",
    "兴业",
    "华信",
    "东方",
    "新港",
    "德隆",
    "蓝海",
    "瑞丰",
    "祥和",
    "嘉禾",
    "汇丰",
    "天成",
    "正大",
    "富源",
    "盛世",
    "明珠",
    "龙腾",
    "鼎盛",
]
TRADES = [
    "餐饮",
    "超市",
    "食品",
    "建筑",
    "工程",
    "物流",
    "运输",
    "化工",
    "医药",
    "旅游",
    "文化",
    "科技",
    "环境",
    "能源",
    "地产",
    "酒店",
    "药房",
    "燃气",
    "商贸",
    "传媒",
]
ROADS = [
    "文化路",
    "河北大街",
    "迎宾路",
    "海阳路",
    "建设大街",
    "燕山大街",
    "港城大街",
    "民族路",
    "红旗路",
    "北环路",
    "友谊路",
    "和平大街",
]
RESULTS = (("准予许可", 0.80), ("准予变更", 0.09), ("准予延续", 0.07), ("不予许可", 0.04))
# ranks as the access policy orders them (公开 0, 内部 1, 秘密 2): a clerk cleared to 内部 reads 公开 and 内部
LEVELS: tuple[tuple[object, ...], ...] = tuple(
    (level.label, level.rank, share)
    for level, share in (
        (SecurityLevel.PUBLIC, 0.25),
        (SecurityLevel.INTERNAL, 0.70),
        (SecurityLevel.SECRET, 0.05),
    )
)
INDUSTRIES = (
    "H6210",
    "H6110",
    "K7010",
    "E4710",
    "G5430",
    "F5221",
    "F5251",
    "C2710",
    "Q8411",
    "R9011",
    "D4500",
    "L7291",
)


@dataclass(frozen=True)
class Row:
    seq: int
    values: tuple[object, ...]
    title: str
    body: list[str]


def _weighted(rng: random.Random, items: tuple[tuple[object, ...], ...]) -> tuple[object, ...]:
    weights = [float(str(i[-1])) for i in items]  # the last member of each item is its weight
    r = rng.random() * sum(weights)
    for item, weight in zip(items, weights, strict=True):
        r -= weight
        if r <= 0:
            return item
    return items[-1]


def person(rng: random.Random) -> str:
    given = GIVEN[rng.randrange(len(GIVEN))] + (
        GIVEN[rng.randrange(len(GIVEN))] if rng.random() < 0.6 else ""
    )
    return SURNAMES[rng.randrange(len(SURNAMES))] + given


def rows(n: int, seed: int, dept_ids: dict[str, int], matter_ids: dict[str, int]) -> Iterator[Row]:
    rng = random.Random(seed)
    firms = []
    for i in range(max(50, n // 4)):
        d = DISTRICTS[rng.randrange(len(DISTRICTS))]
        name = (
            f"秦皇岛{d.short if rng.random() < 0.5 else ''}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
        )
        firms.append(
            (f"{name[:-4]}{i:x}有限公司" if i >= 900 else name, d.code, person(rng), f"91{d.code}MA{i:08X}")
        )
    start = date(2019, 1, 1)
    for seq in range(1, n + 1):
        m = MATTERS[rng.randrange(len(MATTERS))]
        firm = firms[rng.randrange(len(firms))]
        decided = start + timedelta(days=rng.randrange(7 * 365))
        result = str(_weighted(rng, RESULTS)[0])
        level, rank, _ = _weighted(rng, LEVELS)
        dept = m.department
        code = next(d.id_prefix for d in DEPARTMENTS if d.name == dept)
        title = f"关于{firm[0]}{m.name}的审批"
        licence = f"{code}{decided.year}{seq:08d}"
        body = [
            f"{m.name}申请书 申请人名称 {firm[0]} 统一社会信用代码 {firm[3]} 法定代表人 {firm[2]}",
            f"住所 秦皇岛市{rng.choice(ROADS)}{rng.randrange(1, 400)}号 联系电话 1{rng.randrange(3, 9)}{rng.randrange(10**8, 10**9)}",
            f"{dept} 受理编号 {code}-{decided.year}-{seq:06d} 许可证编号 {licence}",
            f"经审查，申请人提交的材料齐全，{result}。"
            + ("现场核查记录 经营场所符合要求。" if rng.random() < 0.5 else ""),
        ]
        values = (
            seq, f"{seq:026d}", "Z001", f"Z001-{decided.year}-{code}-{seq:07d}", f"Z001-{decided.year}-{code}",
            seq, f"{code.lower()}-approval", f"{code}-{decided.year}-{seq:07d}", f"{seq:064x}", title,
            f"秦{code}许〔{decided.year}〕{seq % 1000}号", dept_ids[dept], matter_ids[m.name], firm[0], "企业",
            firm[3], firm[2], None, None, None, firm[1], rng.choice(INDUSTRIES), None,
            (decided - timedelta(days=rng.randrange(1, 20))).isoformat(), decided.isoformat(), decided.year, result,
            "30年", level, rank, 1 if level == "公开" and rng.random() < 0.8 else 0, "{}", "{}",
            "2026-01-01 00:00:00.000000",
        )  # fmt: skip
        yield Row(seq, values, title, body)


COLUMNS = (
    "seq, id, fonds_code, archival_code, series_key, item_no, source_system, source_id, fingerprint, title, "
    "doc_number, department_id, matter_id, applicant_name, applicant_type, applicant_uscc, legal_representative, "
    "id_number, phone, address, district, industry, category, accepted_at, decided_at, year, result, retention, "
    "security_level, security_rank, open_to_public, extra, document, created_at"
)


def _tokens(batch: list[tuple[int, str, list[str]]]) -> list[tuple[int, str, str, str]]:
    return [(seq, *document_tokens(title, body)) for seq, title, body in batch]


def open_catalogue(db: Path) -> tuple[sqlite3.Connection, dict[str, int], dict[str, int]]:
    """A fast-writing connection to the migrated catalogue at `db`, with the fonds, departments and matters
    the synthetic rows name (ids by name)."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("INSERT OR IGNORE INTO fonds(code, name) VALUES ('Z001', '秦皇岛市行政审批档案馆')")
    dept_ids: dict[str, int] = {}
    for d in DEPARTMENTS:
        con.execute("INSERT OR IGNORE INTO department(name, org_code) VALUES (?, ?)", (d.name, d.id_prefix))
        dept_ids[d.name] = con.execute("SELECT id FROM department WHERE name = ?", (d.name,)).fetchone()[0]
    matter_ids: dict[str, int] = {}
    for m in MATTERS:
        con.execute("INSERT OR IGNORE INTO matter(department_id, name, code) VALUES (?, ?, ?)",
                    (dept_ids[m.department], m.name, m.code))  # fmt: skip
        matter_ids[m.name] = con.execute("SELECT id FROM matter WHERE name = ?", (m.name,)).fetchone()[0]
    con.commit()
    return con, dept_ids, matter_ids


def load(db: Path, n: int, seed: int = 7, progress: object = None) -> None:
    """Write `n` records and their search documents into the (already migrated) catalogue at `db`."""
    con, dept_ids, matter_ids = open_catalogue(db)
    placeholders = ", ".join("?" * len(COLUMNS.split(",")))
    batch: list[Row] = []
    with ProcessPoolExecutor(2) as pool:
        pending = None
        for row in rows(n, seed, dept_ids, matter_ids):
            batch.append(row)
            if len(batch) == 20_000 or row.seq == n:
                con.executemany(
                    f"INSERT INTO record({COLUMNS}) VALUES ({placeholders})", [r.values for r in batch]
                )
                halves = [batch[: len(batch) // 2], batch[len(batch) // 2 :]]
                futures = [pool.submit(_tokens, [(r.seq, r.title, r.body) for r in half]) for half in halves]
                if pending is not None:
                    _write_docs(con, pending)
                pending = [d for f in futures for d in f.result()]
                con.commit()
                if callable(progress):
                    progress(row.seq)
                batch = []
        if pending is not None:
            _write_docs(con, pending)
            con.commit()
    con.execute("INSERT INTO search_outbox(record_seq, created_at) SELECT seq, CURRENT_TIMESTAMP FROM record")
    con.commit()
    con.execute("ANALYZE")
    con.commit()
    con.close()


def _write_docs(con: sqlite3.Connection, docs: list[tuple[int, str, str, str]]) -> None:
    con.executemany(
        "INSERT INTO search_doc(record_seq, title_tokens, body_tokens, body_text) VALUES (?, ?, ?, ?)", docs
    )
