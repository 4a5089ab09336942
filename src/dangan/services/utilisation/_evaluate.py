"""`dangan search-eval`: replay a judged query set and measure the ranking, before and after learning.

A judged set is JSON lines, one query each: {"query": "...", "relevant": [ids]}; an id may be a record id,
a 办件编号 (source_id) or a 档号. Printed: nDCG@10 (binary relevance) and the F1 of the whole result
against the relevant set. With `simulate`, that many cascade users per query read the first ten results
top-down and open the first relevant one (logged as searches of the evaluating user's role), so the
second measurement shows what learning from those clicks changed.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select

from dangan.access import Principal
from dangan.core import ValidationFailed
from dangan.services.archive import Archive
from dangan.store.catalog import Record

from ._learning import log_click, log_search
from ._search import search


@dataclass(frozen=True)
class Judged:
    query: str
    relevant: frozenset[str]  # record ids


def read_judged(archive: Archive, path: Path) -> list[Judged]:
    """The judged set, every id resolved to a record id; a line that cannot be read is a clear error."""
    out = []
    with archive.db.read() as s:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                query, ids = str(doc["query"]), [str(i) for i in doc["relevant"]]
            except (ValueError, KeyError, TypeError):
                raise ValidationFailed(
                    f'{path.name} 第 {number} 行不是 {{"query", "relevant"}} 的 JSON', code="bad_judged"
                ) from None
            rows = s.scalars(select(Record.id).where(or_(Record.id.in_(ids), Record.source_id.in_(ids),
                                                           Record.archival_code.in_(ids))))  # fmt: skip
            out.append(Judged(query, frozenset(rows)))
    if not out:
        raise ValidationFailed(f"{path.name} 中没有检索式", code="bad_judged")
    return out


def _ndcg(ranked: list[str], relevant: frozenset[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, rid in enumerate(ranked[:k]) if rid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def _f1(found: set[str], relevant: frozenset[str]) -> float:
    hit = len(found & relevant)
    return 0.0 if not hit else 2 * hit / (len(found) + len(relevant))


def _measure(archive: Archive, user: Principal, judged: list[Judged], today: date | None) -> dict[str, float]:
    ndcg, f1 = [], []
    for j in judged:
        first = search(archive, user, j.query, limit=500, today=today)
        ranked = [h.record_id for h in first.hits]
        ndcg.append(_ndcg(ranked, j.relevant))
        f1.append(_f1(set(ranked), j.relevant))
    return {
        "ndcg@10": round(sum(ndcg) / len(ndcg), 4),
        "f1": round(sum(f1) / len(f1), 4),
        "queries": len(judged),
    }


def evaluate(
    archive: Archive, user: Principal, judged: list[Judged], *, simulate: int = 0, seed: int = 1,
    today: date | None = None, progress: Any = None,
) -> dict[str, Any]:  # fmt: skip
    before = _measure(archive, user, judged, today)
    report: dict[str, Any] = {"before": before, "simulated_sessions": 0}
    if simulate:
        rng = random.Random(seed)
        sessions = 0
        for n, j in enumerate(judged, start=1):
            for _ in range(simulate):
                page = search(archive, user, j.query, limit=10, today=today)
                if not page.hits:
                    continue
                log_id = log_search(archive, user, page.parsed, [h.seq for h in page.hits])
                for hit in page.hits:  # the cascade: read down, open the first relevant result
                    if hit.record_id in j.relevant and rng.random() < 0.9:
                        log_click(archive, user, log_id, hit.record_id)
                        break
                sessions += 1
            if callable(progress):
                progress(n)
        report["simulated_sessions"] = sessions
        report["after"] = _measure(archive, user, judged, today)
    return report
