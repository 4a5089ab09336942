"""Exchange packages: export + import round trip speed (MB/s of archived file bytes).

Two workloads: the demo's small cases (a few PDFs each: the per-record cost of metadata, proofs and
四性检测 dominates) and large scans (TIFFs of `--mb` MB: the byte path — decrypt, hash, write, validate,
encrypt — dominates). Each is exported as a folder and as a ZIP, then imported into a fresh archive.

    .venv/bin/python bench/exchange.py [--cases 40] [--big 4] [--mb 32]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_big_tiff, write_json

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.demo import generate_cases, write_case
from dangan.domain import SecurityLevel
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from dangan.services.share import export_records, import_exchange

ARCHIVIST = Principal("bench", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)


def _small(pool: Path, count: int) -> None:
    for case in generate_cases(count, seed=41):
        write_case(case, pool)


def _big(pool: Path, count: int, mb: int) -> None:
    for i, case in enumerate(generate_cases(count, seed=43)):
        case.case.update(source_id=f"BENCH-EXCH-{i}")
        case.case["files"] = [{"path": "扫描件.tif", "role": "扫描件"}]
        case.files = {"扫描件.tif": b""}
        write_big_tiff(write_case(case, pool) / "扫描件.tif", mb)


def _run(root: Path, name: str, fill: object, fmt: str) -> dict[str, object]:
    pool = root / f"{name}-pool"
    fill(pool)  # type: ignore[operator]
    source = open_archive(load_settings(root / f"{name}-src"))
    target = open_archive(load_settings(root / f"{name}-{fmt}-dst"))
    try:
        report = import_paths(source, [pool])
        assert not report.rejected, report.as_json()["rejected"][:1]
        ids = [o.record_id or "" for o in report.accepted]
        out = root / f"{name}-bag" if fmt == "folder" else root / f"{name}-bag.zip"
        start = time.perf_counter()
        exported = export_records(source, ARCHIVIST, out, record_ids=ids)
        export_s = time.perf_counter() - start
        start = time.perf_counter()
        imported = import_exchange(target, out)
        import_s = time.perf_counter() - start
        assert len(imported.accepted) == len(ids), imported.as_json()["rejected"][:1]
    finally:
        source.close()
        target.close()
        shutil.rmtree(out, ignore_errors=True) if out.is_dir() else out.unlink(missing_ok=True)
        shutil.rmtree(root / f"{name}-src", ignore_errors=True)
        shutil.rmtree(root / f"{name}-{fmt}-dst", ignore_errors=True)
        shutil.rmtree(pool, ignore_errors=True)
    mb = exported.bytes / 2**20
    return {
        "workload": name, "format": fmt, "records": exported.records, "files": exported.files,
        "MB": round(mb, 1), "export_s": round(export_s, 2), "import_s": round(import_s, 2),
        "export_MB/s": round(mb / export_s, 1), "import_MB/s": round(mb / import_s, 1),
        "round_trip_MB/s": round(mb / (export_s + import_s), 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40, help="small demo cases")
    parser.add_argument("--big", type=int, default=4, help="cases with one large TIFF each")
    parser.add_argument("--mb", type=int, default=32, help="size of each large TIFF (MB)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-exchange-") as tmp:
        root = Path(tmp)
        for fmt in ("folder", "zip"):
            rows.append(_run(root, "small", lambda p: _small(p, args.cases), fmt))
            rows.append(_run(root, "big", lambda p: _big(p, args.big, args.mb), fmt))
    columns = ["workload", "format", "records", "files", "MB", "export_s", "import_s", "export_MB/s",
               "import_MB/s", "round_trip_MB/s"]  # fmt: skip
    print_table(
        "Exchange package round trip (export as archivist, import into a fresh archive)", rows, columns
    )
    doc = {"machine": machine(), "args": vars(args), "rows": rows}
    print(f"\nwrote {write_json('exchange', doc)}")


if __name__ == "__main__":
    main()
