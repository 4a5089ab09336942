"""BagIt validation and safe unpacking speed, against baselines over the same bytes in the same run.

Baselines: bagit-python's full validation (the reference implementation, single process, as its CLI
runs by default), `openssl dgst` for the same digests (the machine's hashing limit), and plain
`zipfile.extractall` for unpacking (no checks at all).

    .venv/bin/python bench/bag_validate.py [--files 2000] [--kb 20] [--big-mb 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bagit as bagit_python
from _common import machine, median_of, print_table, write_json
from tests.collect._bags import make_bag, zip_folder

from dangan.collect import UnpackLimits, validate_bag
from dangan.collect.unpack import unpacked

ALGS = ("sha256", "sha512")


def _openssl(files: list[Path]) -> None:
    for alg in ALGS:
        for i in range(0, len(files), 500):
            subprocess.run(["openssl", "dgst", f"-{alg}", *map(str, files[i : i + 500])], check=True,
                           stdout=subprocess.DEVNULL)  # fmt: skip


def _valid(path: Path, fast: bool) -> None:
    report = validate_bag(path, fast=fast)
    assert report.valid, report.errors[:3]


def measure(name: str, bag: Path, runs: int) -> dict[str, object]:
    files = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    mb = sum(f.stat().st_size for f in files) / 1e6
    t_full, _ = median_of(runs, lambda: _valid(bag, False))
    t_fast, _ = median_of(runs, lambda: _valid(bag, True))
    t_ref, _ = median_of(runs, lambda: bagit_python.Bag(str(bag)).validate())
    t_ssl, _ = median_of(runs, lambda: _openssl(files))
    return {
        "workload": name, "files": len(files), "MB": round(mb, 1),
        "full_s": round(t_full, 3), "full_MB_s": round(mb / t_full, 1), "fast_s": round(t_fast, 4),
        "bagit_python_s": round(t_ref, 3), "openssl_s": round(t_ssl, 3),
        "speedup_vs_bagit_python": round(t_ref / t_full, 2), "ratio_to_openssl": round(t_ssl / t_full, 2),
    }  # fmt: skip


def measure_unpack(name: str, archive: Path, work: Path, runs: int) -> dict[str, object]:
    mb = sum(i.file_size for i in zipfile.ZipFile(archive).infolist()) / 1e6

    def ours() -> None:
        with unpacked(archive, work, UnpackLimits()):
            pass

    def plain() -> None:
        dest = Path(tempfile.mkdtemp(dir=work))
        zipfile.ZipFile(archive).extractall(dest)
        shutil.rmtree(dest)

    t_ours, _ = median_of(runs, ours)
    t_plain, _ = median_of(runs, plain)
    return {"workload": name, "MB": round(mb, 1), "safe_unpack_s": round(t_ours, 3),
            "extractall_s": round(t_plain, 3), "overhead": round(t_ours / t_plain, 2)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=20)
    ap.add_argument("--big-mb", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    bench_dir = Path(os.environ.get("BENCH_DIR", Path(__file__).resolve().parent / ".work"))
    bench_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dangan-bag-bench-", dir=bench_dir))
    try:
        small = {f"卷{i // 100:03d}/文件{i:05d}.pdf": os.urandom(args.kb * 1024) for i in range(args.files)}
        small_bag = make_bag(work / "small", small, algorithms=ALGS, tag_algorithms=ALGS)
        big_bag = make_bag(
            work / "big", {"扫描件.tif": os.urandom(args.big_mb * 1024 * 1024)}, algorithms=ALGS
        )
        rows = [measure(f"{args.files} files × {args.kb} KB", small_bag, args.runs),
                measure(f"1 file × {args.big_mb} MB", big_bag, args.runs)]  # fmt: skip
        unpack_rows = [
            measure_unpack(
                f"ZIP of {args.files} files", zip_folder(small_bag, work / "small.zip"), work, args.runs
            ),
            measure_unpack(
                f"ZIP of {args.big_mb} MB", zip_folder(big_bag, work / "big.zip"), work, args.runs
            ),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(f"BagIt validation, {'+'.join(ALGS)} manifests (medians of {args.runs} runs)", rows,
                ["workload", "files", "MB", "full_MB_s", "full_s", "fast_s", "bagit_python_s", "openssl_s",
                 "speedup_vs_bagit_python", "ratio_to_openssl"])  # fmt: skip
    print_table("Safe unpacking vs zipfile.extractall", unpack_rows,
                ["workload", "MB", "safe_unpack_s", "extractall_s", "overhead"])  # fmt: skip
    path = write_json("bag_validate", {"machine": machine(), "runs": args.runs, "algorithms": ALGS,
                                       "validation": rows, "unpack": unpack_rows})  # fmt: skip
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
