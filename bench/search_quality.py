"""Search quality on a judged set built from the demo generator's truth, against a plain BM25 baseline.

An archive of generated cases is imported; every query of `_judged.build` is run through the search
service as an archivist who may read everything (paging through the whole result), and through a plain
BM25 over the same text (rjieba words of the title, the metadata and the PDFs' text) in the same run.
Printed per kind and overall: parse accuracy, exact-set F1 (filter queries: the whole result against the
gold set) and nDCG@10 (binary relevance: a member of the gold set).

    .venv/bin/python bench/search_quality.py [--cases 1500] [--seed 2024] [--per-kind 6]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json
from _judged import build, parse_correct

from dangan.core import load_settings
from dangan.demo import generate_cases, write_case
from dangan.digitize import pdf_text
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.records import embed_pending
from dangan.services.utilisation import search
from dangan.store.catalog import Record

TODAY = date(2026, 6, 30)  # fixed, so 去年 and 近两年 mean the same in every run
_STOP = set("的了和与及或在是有关于对把被等之 ，。、；：？！（）()《》“”‘’\"'-—[]【】〔〕")


def _ndcg(ranked: list[str], gold: frozenset[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, sid in enumerate(ranked[:k]) if sid in gold)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(gold))))
    return dcg / ideal if ideal else 0.0


def _f1(found: set[str], gold: frozenset[str]) -> float:
    if not found and not gold:
        return 1.0
    hit = len(found & gold)
    if hit == 0:
        return 0.0
    p, r = hit / len(found), hit / len(gold)
    return 2 * p * r / (p + r)


class Bm25:
    """Okapi BM25 (k1 1.2, b 0.75) over rjieba words: the plain baseline."""

    def __init__(self, docs: dict[str, str]) -> None:
        import rjieba

        self.cut = lambda text: [w for w in rjieba.cut(text.lower()) if w.strip() and w not in _STOP]
        self.tf: dict[str, Counter[str]] = {sid: Counter(self.cut(text)) for sid, text in docs.items()}
        self.length = {sid: sum(c.values()) for sid, c in self.tf.items()}
        self.avg = statistics.mean(self.length.values())
        df: Counter[str] = Counter()
        for c in self.tf.values():
            df.update(c.keys())
        n = len(docs)
        self.idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}

    def rank(self, query: str) -> list[str]:
        words = set(self.cut(query))
        scores: dict[str, float] = {}
        for sid, tf in self.tf.items():
            s = 0.0
            for w in words:
                f = tf.get(w)
                if f:
                    s += self.idf[w] * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * self.length[sid] / self.avg))
            if s > 0:
                scores[sid] = s
        return sorted(scores, key=lambda sid: (-scores[sid], sid))


def _load(root: Path, count: int, seed: int) -> tuple[Archive, list[dict[str, Any]], dict[str, str]]:
    cases, texts = [], {}
    packages = root / "packages"
    for demo_case in generate_cases(count, seed):
        folder = write_case(demo_case, packages)
        c = demo_case.case
        cases.append(c)
        a = c["applicant"]
        parts = [c["title"], c.get("doc_number") or "", c["department"], c["matter"]["name"], c["result"], a["name"],
                 a.get("uscc") or "", a.get("legal_representative") or "", a.get("address") or "", c["source_id"]]  # fmt: skip
        for f in c["files"]:
            parts.append(f.get("role") or "")
            if f["path"].lower().endswith(".pdf"):
                parts.append(pdf_text(folder / f["path"]))
        texts[c["source_id"]] = " ".join(parts)
    archive = open_archive(load_settings(root / "data"))
    report = import_paths(archive, [packages])
    assert not report.rejected, [o.problems for o in report.rejected][:3]
    add_user(archive, "judge", "Qualit7-Bench!x", "archivist", clearance="机密")
    return archive, cases, texts


def _run_all(archive: Archive, query: str, fuse: bool = True) -> tuple[dict[str, Any], list[str], float]:
    user = get_principal(archive, "judge")
    with archive.db.read() as s:
        source_of = dict(s.query(Record.id, Record.source_id).all())
    ids: list[str] = []
    start = time.perf_counter()
    result = search(archive, user, query, limit=500, today=TODAY, fuse=fuse)
    ids += [h.record_id for h in result.hits]
    while len(ids) < result.total:
        page = search(archive, user, query, limit=500, offset=len(ids), today=TODAY, fuse=fuse)
        if not page.hits:
            break
        ids += [h.record_id for h in page.hits]
    took = time.perf_counter() - start
    return result.parsed, [source_of[i] for i in ids], took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--per-kind", type=int, default=6)
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument(
        "--embed",
        action="store_true",
        help="embed every record first: words and meaning fused, against words alone in the same run",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dangan-quality-") as tmp:
        t0 = time.perf_counter()
        archive, cases, texts = _load(Path(tmp), args.cases, args.seed)
        load_s = time.perf_counter() - t0
        embed_s = None
        if args.embed:
            t1 = time.perf_counter()
            embed_pending(archive)
            embed_s = time.perf_counter() - t1
        judged = build(cases, TODAY, per_kind=args.per_kind)
        bm25 = Bm25(texts)
        per_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
        misses = []
        for j in judged:
            parsed, ranked, took = _run_all(archive, j.text)
            base = bm25.rank(j.text)
            words = _run_all(archive, j.text, fuse=False)[1] if args.embed else ranked
            row = {
                "words_ndcg": _ndcg(words, j.gold),
                "parse": 1.0 if parse_correct(j, parsed) else 0.0,
                "f1": _f1(set(ranked), j.gold),
                "ndcg": _ndcg(ranked, j.gold),
                "bm25_f1": _f1(set(base), j.gold),
                "bm25_ndcg": _ndcg(base, j.gold),
                "ms": took * 1000,
            }
            per_kind[j.kind].append(row)
            if row["parse"] < 1 or row["f1"] < 1:
                misses.append({"kind": j.kind, "query": j.text, "expected": j.expected, "parsed": parsed,
                               "gold": len(j.gold), "found": len(ranked), "f1": round(row["f1"], 3)})  # fmt: skip
        archive.close()

    def mean(rows: list[dict[str, float]], key: str) -> float:
        return statistics.mean(r[key] for r in rows) if rows else 0.0

    table = []
    for kind, rows in per_kind.items():
        table.append({"kind": kind, "queries": len(rows), "parse": f"{mean(rows, 'parse'):.2f}",
                      "f1": f"{mean(rows, 'f1'):.3f}", "ndcg@10": f"{mean(rows, 'ndcg'):.3f}",
                      "words_ndcg@10": f"{mean(rows, 'words_ndcg'):.3f}", "bm25_f1": f"{mean(rows, 'bm25_f1'):.3f}", "bm25_ndcg@10": f"{mean(rows, 'bm25_ndcg'):.3f}",
                      "median_ms": f"{statistics.median(r['ms'] for r in rows):.1f}"})  # fmt: skip
    everything = [r for rows in per_kind.values() for r in rows]
    overall = {
        k: round(mean(everything, k), 4)
        for k in ("parse", "f1", "ndcg", "words_ndcg", "bm25_f1", "bm25_ndcg")
    }
    table.append({"kind": "ALL", "queries": len(everything), "parse": f"{overall['parse']:.2f}",
                  "f1": f"{overall['f1']:.3f}", "ndcg@10": f"{overall['ndcg']:.3f}",
                  "words_ndcg@10": f"{overall['words_ndcg']:.3f}", "bm25_f1": f"{overall['bm25_f1']:.3f}", "bm25_ndcg@10": f"{overall['bm25_ndcg']:.3f}",
                  "median_ms": f"{statistics.median(r['ms'] for r in everything):.1f}"})  # fmt: skip
    print(f"{args.cases} generated cases (seed {args.seed}) imported in {load_s:.0f} s; today = {TODAY}; "
          f"searching as an archivist who may read everything; whole results paged through.")  # fmt: skip
    if embed_s is not None:
        print(f"every record embedded first ({embed_s:.0f} s): nDCG@10 is words and meaning fused, "
              f"words_ndcg@10 the words alone, in the same run")  # fmt: skip
    print_table("Search quality per query kind (targets: parse ≥ 0.95, F1 ≥ 0.95, nDCG@10 ≥ 0.95)", table,
                ["kind", "queries", "parse", "f1", "ndcg@10", *(["words_ndcg@10"] if args.embed else []), "bm25_f1",
                 "bm25_ndcg@10", "median_ms"])  # fmt: skip
    if args.show_misses:
        for m in misses:
            print(json.dumps(m, ensure_ascii=False))
    path = write_json("search_quality", {"machine": machine(), "cases": args.cases, "seed": args.seed,
                                         "today": TODAY.isoformat(), "embedded": args.embed, "overall": overall, "per_kind": table,
                                         "misses": misses[:50]})  # fmt: skip
    print(f"\n→ {path}")


if __name__ == "__main__":
    main()
