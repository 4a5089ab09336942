"""Metadata extraction and the matter/category classifier, measured on generated demo cases.

For N demo cases (the generator's case.json is the truth): field-level precision and recall of
`propose()` on the text of each case's 申请书 and 决定书, once as the PDFs' text layer ("clean") and once
after OCR-like damage ("ocr-like": other bracket forms in the 文号, full-width digits, the signature date
in Chinese numerals, a USCC letter/digit confusion, letter-spaced labels), and with `--ocr N` on the real
OCR's lines of the first N cases' pages rendered at 200 dpi ("real-ocr"; the red letterhead is removed
with the seal there, so the department comes from the matter and the signature). Then the classifier's accuracy
on held-back cases (split by a hash of the source id) for matter and category, against always answering
the commonest label, in the same run; once on the full text and once with the matter's name masked out.

Precision: of the documents where a field was proposed, how often the best proposal was right. Recall: of
the documents whose text holds the true value, how often the best proposal was it.

.venv/bin/python bench/extract.py [--cases 300] [--seed 11]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "2")  # a shared 2-core machine

from _common import machine, print_table, write_json

from dangan.demo import MATTERS, generate_cases
from dangan.digitize import pdf_text
from dangan.digitize.classify import evaluate, majority_baseline, split_held_back, train
from dangan.digitize.extract import MatterRef, best, propose
from dangan.domain import classify

FIELDS = (
    "doc_number", "applicant", "applicant_type", "uscc", "legal_representative", "id_number", "phone",
    "address", "accepted_at", "decided_at", "matter", "result", "department",
    "industry", "category",
)  # fmt: skip
_CN = "〇一二三四五六七八九"
_BRACKETS = (("(", ")"), ("[", "]"), ("（", "）"), ("【", "】"), ("〔", "〕"))
_SPACED_LABELS = ("统一社会信用代码", "法定代表人", "申请人名称", "住所")


def _cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else _CN[tens]) + "十" if tens else "") + (_CN[ones] if ones else "")


def cn_date(m: re.Match[str]) -> str:
    year, month, day = (int(g) for g in m.groups())
    return "".join(_CN[int(c)] for c in str(year)) + f"年{_cn_small(month)}月{_cn_small(day)}日"


def ocr_like(text: str, uscc: str | None, rng: random.Random) -> str:
    """Damage a text layer the way OCR of a scan does, deterministically for a given `rng`."""
    left, right = rng.choice(_BRACKETS)
    text = text.replace("〔", left).replace("〕", right)
    dates = list(re.finditer(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text))
    if dates:
        last = dates[-1]
        text = text[: last.start()] + cn_date(last) + text[last.end() :]
    if uscc and rng.random() < 0.5:
        pos = rng.randrange(2, 8)  # a region-code digit read as its look-alike letter
        swapped = uscc[:pos] + {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B"}.get(uscc[pos], uscc[pos])
        text = text.replace(uscc, swapped + uscc[pos + 1 :])
    for label in _SPACED_LABELS:
        if rng.random() < 0.5:
            text = text.replace(label, " ".join(label))
    return re.sub(r"\d", lambda m: chr(ord(m.group(0)) + 0xFEE0) if rng.random() < 0.3 else m.group(0), text)


def truth(case: dict[str, Any]) -> dict[str, str]:
    a = case["applicant"]
    out = {
        "doc_number": case["doc_number"], "applicant": a["name"], "applicant_type": a.get("type"),
        "uscc": a.get("uscc"), "legal_representative": a.get("legal_representative"),
        "id_number": a.get("id_number"), "phone": a.get("phone"), "address": a.get("address"),
        "accepted_at": case["accepted_at"], "decided_at": case["decided_at"], "matter": case["matter"]["name"],
        "result": case["result"], "department": case["department"], "industry": case["industry"],
        "category": classify(case["matter"]["name"], case["industry"]).code,
    }  # fmt: skip
    return {k: v for k, v in out.items() if v}


def present(field: str, value: str, text: str, role: str) -> bool:
    """Whether the document's text holds the true value at all (recall counts only those)."""
    if field.endswith("_at"):
        y, m, d = (int(p) for p in value.split("-"))
        return f"{y}年{m}月{d}日" in text
    if field == "category":
        return "所属行业" in text
    if field == "result":
        return role == "决定书"
    if field == "applicant_type":
        return f"申请人类型 {value}" in text
    return value in text


def case_texts(count: int, seed: int) -> list[tuple[dict[str, Any], dict[str, str]]]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        for demo in generate_cases(count, seed):
            texts = {}
            for name, data in demo.files.items():
                if name.endswith(".pdf"):
                    path.write_bytes(data)
                    texts[name.removesuffix(".pdf")] = pdf_text(path)
            out.append((demo.case, texts))
    return out


def ocr_pages(
    cases: list[tuple[dict[str, Any], dict[str, str]]], count: int, seed: int
) -> dict[tuple[str, str], Any]:
    """The real OCR (dangan.digitize.ocr) of the 申请书 and 决定书 pages of the first `count` cases,
    rendered at 200 dpi: slow on this machine, so only a few."""
    import io

    import numpy as np
    from PIL import Image

    from dangan.digitize import render_pdf_page
    from dangan.digitize.ocr import recognise

    pages: dict[tuple[str, str], Any] = {}
    wanted = {c["source_id"] for c, _ in cases[:count]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        for demo in generate_cases(len(cases), seed):
            if demo.case["source_id"] not in wanted:
                continue
            for role in ("申请书", "决定书"):
                path.write_bytes(demo.files[f"{role}.pdf"])
                png = render_pdf_page(path, 0, width=1654)
                pages[(demo.case["source_id"], role)] = recognise(
                    np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
                )
    return pages


def measure_extraction(
    cases: list[tuple[dict[str, Any], dict[str, str]]], seed: int, ocr: dict[tuple[str, str], Any]
) -> dict[str, Any]:
    refs = [MatterRef(m.name, m.department) for m in MATTERS]
    departments = sorted({m.department for m in MATTERS})
    rng = random.Random(seed)
    results: dict[str, Any] = {}
    for variant in ("clean", "ocr-like", "real-ocr") if ocr else ("clean", "ocr-like"):
        stats = {f: {"proposed": 0, "right": 0, "present": 0, "found": 0} for f in FIELDS}
        times = []
        misses: list[dict[str, str]] = []
        for case, texts in cases:
            want = truth(case)
            for role in ("申请书", "决定书"):
                clean = texts[role]
                lines = None
                if variant == "real-ocr":
                    if (case["source_id"], role) not in ocr:
                        continue
                    page = ocr[(case["source_id"], role)]
                    text, lines = page.text, page.lines
                else:
                    text = clean if variant == "clean" else ocr_like(clean, want.get("uscc"), rng)
                start = time.perf_counter()
                top = best(propose(text, lines, matters=refs, departments=departments))
                times.append(time.perf_counter() - start)
                for f in FIELDS:
                    got = str(top[f].value) if f in top else None
                    s = stats[f]
                    if got is not None and f in want:  # a case without the value has no truth to judge by
                        s["proposed"] += 1
                        s["right"] += got == want.get(f)
                    if f in want and present(f, want[f], clean, role):
                        s["present"] += 1
                        s["found"] += got == want[f]
                        if got != want[f] and len(misses) < 40:
                            misses.append({"variant": variant, "role": role, "field": f, "want": want[f],
                                           "got": got or ""})  # fmt: skip
        rows = []
        for f, s in stats.items():
            rows.append({
                "field": f, "present": s["present"], "proposed": s["proposed"],
                "precision": round(s["right"] / s["proposed"], 3) if s["proposed"] else None,
                "recall": round(s["found"] / s["present"], 3) if s["present"] else None,
            })  # fmt: skip
        results[variant] = {"fields": rows, "ms_per_document_median": round(statistics.median(times) * 1000, 2),
                            "misses": misses}  # fmt: skip
    return results


def measure_classifier(cases: list[tuple[dict[str, Any], dict[str, str]]]) -> list[dict[str, Any]]:
    rows = []
    for masked in (False, True):
        for task in ("matter", "category"):
            triples = []
            for case, texts in cases:
                text = "\n".join(texts.values())
                if masked:
                    text = text.replace(case["matter"]["name"], "某事项")
                label = case["matter"]["name"] if task == "matter" else truth(case)["category"]
                triples.append((case["source_id"], text, label))
            trained, held = split_held_back(triples, 0.25)
            start = time.perf_counter()
            model = train(trained)
            train_s = time.perf_counter() - start
            start = time.perf_counter()
            report = evaluate(model, held)
            predict_ms = (time.perf_counter() - start) * 1000 / max(len(held), 1)
            rows.append({
                "task": task, "text": "matter name masked" if masked else "full", "labels": len(model.labels),
                "train": len(trained), "held_back": report["n"], "accuracy": report["accuracy"],
                "top3": report["top3_accuracy"], "mean_p": report["mean_confidence"],
                "majority_baseline": majority_baseline([lab for _, lab in trained], [lab for _, lab in held]),
                "train_s": round(train_s, 2), "predict_ms": round(predict_ms, 2),
                "model_kb": round(len(model.to_json().encode()) / 1024),
            })  # fmt: skip
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--ocr", type=int, default=0, help="also read the first N cases' pages with the real OCR")
    args = ap.parse_args()
    start = time.perf_counter()
    cases = case_texts(args.cases, args.seed)
    print(f"{len(cases)} cases generated and read in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    start = time.perf_counter()
    ocr = ocr_pages(cases, args.ocr, args.seed) if args.ocr else {}
    if ocr:
        print(f"{len(ocr)} pages read by OCR in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    extraction = measure_extraction(cases, args.seed, ocr)
    for variant, result in extraction.items():
        print_table(
            f"propose() on 申请书 + 决定书 text, {variant} ({result['ms_per_document_median']} ms per document, "
            "median; noisy 2-core machine)",
            result["fields"],
            ["field", "present", "proposed", "precision", "recall"],
        )
    classifier = measure_classifier(cases)
    print_table(
        "classifier: held-back accuracy vs majority-class baseline",
        classifier,
        ["task", "text", "labels", "train", "held_back", "accuracy", "top3", "mean_p", "majority_baseline", "train_s",
         "predict_ms", "model_kb"],
    )  # fmt: skip
    path = write_json("extract", {"machine": machine(), "cases": args.cases, "seed": args.seed, "ocr_cases": args.ocr,
                                  "extraction": extraction, "classifier": classifier})  # fmt: skip
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
