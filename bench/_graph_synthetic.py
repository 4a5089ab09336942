"""A fast synthetic graph loader: the knowledge graph of a catalogue whose records already exist (filled by
`_synthetic.load`), written straight into `graph_node` / `graph_edge` in batches of executemany.

Each record's nodes and edges come from the real `dangan.graph.extract` (so keys, kinds, attributes and
provenance are what the ingest writes), fed with the record's own row plus a realistic shape the fast
record loader does not give: valid USCCs (one enterprise per ~4 records, a few group companies with
hundreds), representatives mostly one per enterprise but some (with ID numbers) representing several,
addresses mostly one per enterprise but a few business centres hosting thousands, and licences with
validity dates on most records. Labels are the first assertion's (settling them again is ingest work,
not what a query costs). The edge indexes are dropped during the load and built again after it.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _synthetic import person

from dangan.demo import DISTRICTS
from dangan.domain.codes import id_check_char, uscc_check_char
from dangan.graph import extract

ROADS = ("文化路", "河北大街", "迎宾路", "海阳路", "建设大街", "燕山大街", "港城大街", "民族路", "红旗路")
GROUPS = 25  # group companies: 1 record in 250 is theirs, Zipf-weighted (the heaviest has ~1,000)
CENTRES = 300  # business centres hosting 30 % of enterprises, Zipf-weighted (the heaviest ~3,000)
SERIAL = 12_000  # people who represent several enterprises (15 % of enterprises), Zipf-weighted
BATCH = 20_000


def _zipf(rng: random.Random, n: int) -> int:
    weights = _ZIPF.setdefault(n, [1 / (k + 1) for k in range(n)])
    return rng.choices(range(n), cum_weights=_CUM.setdefault(n, _cumulative(weights)))[0]


_ZIPF: dict[int, list[float]] = {}
_CUM: dict[int, list[float]] = {}


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _uscc(raw: str) -> str:
    return raw[:17] + uscc_check_char(raw[:17])


def _id_number(rng: random.Random) -> str:
    body = f"130302{rng.randrange(1960, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    body += f"{rng.randrange(1000):03d}"
    return body + id_check_char(body)


class Shape:
    """Per-enterprise facts the record rows lack, drawn once per enterprise (deterministic by seed)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.firms: dict[str, tuple[str, str | None, str]] = {}
        self.serial = [(person(self.rng), _id_number(self.rng)) for _ in range(SERIAL)]
        self.centres = [
            f"秦皇岛市{DISTRICTS[k % len(DISTRICTS)].name}{ROADS[k % len(ROADS)]}{100 + k}号商务中心"
            for k in range(CENTRES)
        ]
        self.groups = [
            (f"秦皇岛第{k}集团有限公司", _uscc(f"91130300MA9{k:06d}X"), f"集团{k}法人") for k in range(GROUPS)
        ]

    def firm(self, uscc: str, representative: str, district: str) -> tuple[str, str | None, str]:
        """(representative, ID number or None, address) of the enterprise."""
        got = self.firms.get(uscc)
        if got is None:
            rng = self.rng
            rep: tuple[str, str | None] = (
                self.serial[_zipf(rng, SERIAL)] if rng.random() < 0.15 else (representative, None)
            )
            if rng.random() < 0.30:
                address = self.centres[_zipf(rng, CENTRES)]
            else:
                address = f"秦皇岛市{rng.choice(ROADS)}{rng.randrange(1, 3000)}号{rng.randrange(1, 30)}栋"
            got = self.firms[uscc] = (rep[0], rep[1], address)
        return got


def load_graph(
    db: Path, seed: int = 5, progress: Callable[[int, int, int], None] | None = None
) -> dict[str, Any]:
    """Write the graph of every record in the (migrated, graph-empty) catalogue at `db`."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    assert con.execute("SELECT count(*) FROM graph_edge").fetchone()[0] == 0, "the graph is not empty"
    secret = bytes(con.execute("SELECT secret FROM graph_secret WHERE id = 1").fetchone()[0])
    departments = dict(con.execute("SELECT id, name FROM department"))
    matters = dict(con.execute("SELECT id, name FROM matter"))
    indexes = [sql for (sql,) in con.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'graph_edge' AND sql IS NOT NULL")]  # fmt: skip
    for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'graph_edge' AND sql IS NOT NULL"
    ).fetchall():
        con.execute(f"DROP INDEX {name}")
    shape = Shape(seed)
    rng = random.Random(seed + 1)
    ids: dict[tuple[str, str], int] = {}
    nodes: list[tuple[Any, ...]] = []
    edges: list[tuple[Any, ...]] = []
    done = edge_count = 0
    reader = con.cursor()
    reader.execute(
        "SELECT id, title, department_id, matter_id, applicant_name, applicant_uscc, legal_representative, "
        "district, industry, decided_at, result FROM record ORDER BY seq"
    )
    while rows := reader.fetchmany(BATCH):
        for rid, title, dept, matter, name, uscc, rep, district, industry, decided, result in rows:
            if rng.random() < 0.004:
                name, uscc, rep = shape.groups[_zipf(rng, GROUPS)]
            else:
                uscc = _uscc(uscc)
            rep, id_number, address = shape.firm(uscc, rep, district)
            day = date.fromisoformat(decided)
            licensed = rng.random() < 0.7
            facts = {
                "record_id": rid, "title": title, "applicant": name, "applicant_type": "企业", "uscc": uscc,
                "legal_representative": rep, "id_number": id_number, "address": address,
                "district": district, "industry": industry, "department": departments[dept],
                "matter": matters[matter], "result": result, "decided_at": day,
                "licence_number": f"XK{rid[-10:]}" if licensed else None,
                "licence_valid_from": day.isoformat() if licensed else None,
                "licence_valid_until": (day + timedelta(days=365 * rng.choice((3, 5)))).isoformat()
                if licensed else None,
            }  # fmt: skip
            graph = extract(facts, secret)
            for ref, spec in graph.nodes.items():
                if ref not in ids:
                    ids[ref] = len(ids) + 1
                    nodes.append((ids[ref], spec.kind, spec.key, spec.label, "{}", "[]"))
            on = graph.asserted_on.isoformat() if graph.asserted_on else None
            for e in graph.edges:
                edges.append((e.kind, ids[e.source], ids[e.target], rid, on, json.dumps(e.attributes)))
        con.executemany(
            "INSERT INTO graph_node(id, kind, key, label, attributes, flags) VALUES (?, ?, ?, ?, ?, ?)", nodes
        )
        con.executemany(
            "INSERT INTO graph_edge(kind, from_id, to_id, record_id, asserted_on, attributes) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            edges,
        )
        con.commit()
        done += len(rows)
        edge_count += len(edges)
        nodes, edges = [], []
        if progress is not None:
            progress(done, len(ids), edge_count)
    for sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE graph_node")
    con.execute("ANALYZE graph_edge")
    con.commit()
    con.close()
    return {"records": done, "nodes": len(ids), "edges": edge_count}
