"""Fixity audit speed against the machine's limits over the same files, in the same run.

Baselines: `openssl dgst -sha256` (SHA-NI) and the Library of Congress `bagit` validator over a bag of the
same files. Also: SM3's own speed (the store's libgcrypt, and OpenSSL's) and ingest with encryption on vs off.

    .venv/bin/python bench/fixity.py [--files 16] [--mb 32] [--runs 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median_of, print_table, write_big_tiff, write_json

from dangan.core import load_settings
from dangan.demo import generate_cases, write_case
from dangan.services.archive import open_archive
from dangan.services.intake import ImportReport, import_paths
from dangan.services.preservation import audit_fixity
from dangan.store.crypto._sm3 import Hasher, new_sm3
from dangan.store.crypto._sm3 import backend as sm3_backend
from dangan.store.crypto._sm4gcm import fast_sm4_gcm
from dangan.store.crypto._sm4gcm import reference_seal as reference_sm4_seal


def _big_cases(root: Path, files: int, mb: int) -> None:
    for i, case in enumerate(generate_cases(files, seed=31)):
        case.case.update(open_to_public=True, security_level="公开", source_id=f"BENCH-FIX-{i}")
        case.case["files"] = [{"path": "扫描件.tif", "role": "扫描件"}]
        case.files = {"扫描件.tif": b""}
        write_big_tiff(write_case(case, root) / "扫描件.tif", mb)


def _checked(report: ImportReport) -> None:
    assert not report.rejected, report.as_json()["rejected"][:1]


def _import(pool: Path, home: Path, **overrides: object) -> float:
    archive = open_archive(load_settings(home, **overrides))
    try:
        t, _ = median_of(1, lambda: _checked(import_paths(archive, [pool], workers=1)))
    finally:
        archive.close()
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=16)
    ap.add_argument("--mb", type=int, default=32)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    bench_dir = Path(os.environ.get("BENCH_DIR", Path(__file__).resolve().parent / ".work"))
    bench_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="fixity-", dir=bench_dir))
    rows = []
    try:
        pool = work / "pool"
        _big_cases(pool, args.files, args.mb)
        home = work / "home"
        _import(pool, home)
        archive = open_archive(load_settings(home))
        objects = [p for loc in archive.objects.locations for p in Path(loc.root).rglob("*")  # type: ignore[attr-defined]
                   if p.is_file() and "tmp" not in p.parts]  # fmt: skip
        mb = sum(p.stat().st_size for p in objects) / 1e6
        t_audit, _ = median_of(args.runs, lambda: audit_fixity(archive))
        archive.close()
        t_ssl, _ = median_of(args.runs, lambda: subprocess.run(["openssl", "dgst", "-sha256", *map(str, objects)],
                                                              check=True, stdout=subprocess.DEVNULL))  # fmt: skip
        import bagit

        bag_dir = work / "bag"
        bag_dir.mkdir()
        for i, p in enumerate(objects):
            os.link(p, bag_dir / f"{i}.bin")
        bagit.make_bag(str(bag_dir), checksums=["sha256"])
        t_bagit, _ = median_of(args.runs, lambda: bagit.Bag(str(bag_dir)).validate(processes=1))

        def sm3_all(hasher: Callable[[], Hasher] = new_sm3) -> None:
            for p in objects:
                h = hasher()
                with open(p, "rb") as f:
                    while chunk := f.read(1024 * 1024):
                        h.update(chunk)

        t_sm3, _ = median_of(args.runs, sm3_all)
        t_sm3_ssl, _ = median_of(args.runs, lambda: sm3_all(lambda: hashlib.new("sm3")))

        def sm4_all(seal: Callable[[bytes, bytes, bytes, bytes], bytes]) -> None:
            key, nonce = os.urandom(16), os.urandom(12)
            for p in objects:
                with open(p, "rb") as f:
                    while chunk := f.read(1024 * 1024):
                        seal(key, nonce, chunk, b"")

        fast = fast_sm4_gcm()
        t_sm4 = median_of(args.runs, lambda: sm4_all(fast.seal))[0] if fast else None
        t_sm4_ref, _ = median_of(args.runs, lambda: sm4_all(reference_sm4_seal))
        rows.append({"what": "dangan verify (SHA-256, every copy)", "MB": round(mb), "MB_s": round(mb / t_audit),
                     "ratio_to_openssl": round(t_ssl / t_audit, 2)})  # fmt: skip
        rows.append(
            {
                "what": "openssl dgst -sha256",
                "MB": round(mb),
                "MB_s": round(mb / t_ssl),
                "ratio_to_openssl": 1.0,
            }
        )
        rows.append({"what": "LoC bagit validate (sha256)", "MB": round(mb), "MB_s": round(mb / t_bagit),
                     "ratio_to_openssl": round(t_ssl / t_bagit, 2)})  # fmt: skip
        rows.append({"what": f"SM3 ({sm3_backend()}, as ingest)", "MB": round(mb), "MB_s": round(mb / t_sm3),
                     "ratio_to_openssl": round(t_ssl / t_sm3, 2)})  # fmt: skip
        rows.append({"what": "SM3 (OpenSSL)", "MB": round(mb), "MB_s": round(mb / t_sm3_ssl),
                     "ratio_to_openssl": round(t_ssl / t_sm3_ssl, 2)})  # fmt: skip
        if t_sm4 is not None:
            rows.append({"what": "SM4-GCM seal (libgcrypt, as the store)", "MB": round(mb),
                         "MB_s": round(mb / t_sm4), "ratio_to_openssl": round(t_ssl / t_sm4, 2)})  # fmt: skip
        rows.append({"what": "SM4-GCM seal (cryptography/OpenSSL)", "MB": round(mb), "MB_s": round(mb / t_sm4_ref),
                     "ratio_to_openssl": round(t_ssl / t_sm4_ref, 2)})  # fmt: skip
        src_mb = args.files * args.mb * 1.048576
        t_plain = _import(pool, work / "plain")
        t_enc = _import(pool, work / "enc", encrypt_public=True)
        t_sm4 = _import(pool, work / "sm4", encrypt_public=True, cipher="SM4-GCM")
        for name, t in (
            ("ingest, no encryption", t_plain),
            ("ingest, AES-256-GCM", t_enc),
            ("ingest, SM4-GCM", t_sm4),
        ):
            rows.append(
                {"what": name, "MB": round(src_mb), "MB_s": round(src_mb / t), "ratio_to_openssl": ""}
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(f"Fixity and encryption (medians of {args.runs} runs; ingest single run)", rows,
                ["what", "MB", "MB_s", "ratio_to_openssl"])  # fmt: skip
    path = write_json("fixity", {"machine": machine(), "runs": args.runs, "results": rows,
                                 "targets": {"verify_ratio_to_openssl": 0.70, "faster_than_bagit": True}})  # fmt: skip
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
