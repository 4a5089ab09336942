"""Collection throughput: packages/s through the push API (a real `dangan serve`, 4 concurrent clients)
and through bulk import, for 3-file packages of about 100 KB; and the share of the 四性检测's time
taken by each check item.

Packages are demo cases (Chinese PDFs whose text ingest extracts and the 四性检测 reads), each PDF
grown to about 33 KB by an incremental update that adds an unreferenced stream of random bytes: still
a valid PDF with the same text, but with the bytes a scanned attachment would bring.

    .venv/bin/python bench/collect.py [--packages 400] [--clients 4]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json

from dangan.checks import REGISTRY
from dangan.collect import open_package
from dangan.core import load_settings
from dangan.demo import generate_cases
from dangan.services.accounts import create_api_key
from dangan.services.archive import open_archive
from dangan.services.intake import import_one, import_paths
from dangan.services.quality import check_package

FILE_BYTES = 33 * 1024
TRAILER = re.compile(rb"/Root (\d+ \d+ R).*?/Size (\d+).*?startxref\s+(\d+)\s+%%EOF\s*$", re.S)


def grow_pdf(data: bytes, size: int) -> bytes:
    """Append an incremental update holding one unreferenced stream, so the file reaches `size` bytes."""
    match = TRAILER.search(data)
    if match is None:
        raise ValueError("not a reportlab PDF trailer")
    root, count, prev = match.group(1), int(match.group(2)), int(match.group(3))
    pad = os.urandom(max(0, size - len(data) - 300))
    body = data if data.endswith(b"\n") else data + b"\n"
    offset = len(body)
    obj = b"%d 0 obj\n<< /Length %d >>\nstream\n" % (count, len(pad)) + pad + b"\nendstream\nendobj\n"
    xref_at = offset + len(obj)
    xref = b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (count, offset)
    trailer = b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (
        count + 1,
        root,
        prev,
        xref_at,
    )
    return body + obj + xref + trailer


def make_pool(dest: Path, count: int) -> list[Path]:
    """`count` packages of exactly three PDFs, about 100 KB each, with hashes in case.json."""
    pkgs: list[Path] = []
    for case in generate_cases(count * 3, seed=2025):
        if len(pkgs) == count:
            break
        if len(case.files) != 3 or not all(p.endswith(".pdf") for p in case.files):
            continue
        folder = dest / f"pkg-{len(pkgs):05d}"
        folder.mkdir(parents=True)
        for entry in case.case["files"]:
            data = grow_pdf(case.files[entry["path"]], FILE_BYTES)
            (folder / entry["path"]).write_bytes(data)
            entry["sha256"] = hashlib.sha256(data).hexdigest()
        (folder / "case.json").write_text(json.dumps(case.case, ensure_ascii=False), encoding="utf-8")
        pkgs.append(folder)
    assert len(pkgs) == count, "not enough 3-PDF demo cases"
    return pkgs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("dangan serve exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("dangan serve did not start")


def _load(pkg: Path) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    return doc, [(f["path"], (pkg / f["path"]).read_bytes()) for f in doc["files"]]


def run_api(
    pool: list[Path], home: Path, clients: int, warmup: list[Path], *, intake_only: bool = False
) -> dict[str, Any]:
    """Push every package; with `intake_only` each case carries an impossible date, so the server
    receives, stages and validates it and answers 422 without ingesting: the channel's own cost."""
    archive = open_archive(load_settings(home))
    keys: dict[tuple[str, str], str] = {}
    for pkg in pool + warmup:
        doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
        pair = (doc["source_system"], doc["department"])
        if pair not in keys:
            keys[pair] = create_api_key(archive, *pair, actor="bench")[1]
    archive.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    cmd = [sys.executable, "-m", "dangan", "serve", "--data", str(home), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env)
    try:
        _wait_for(port, proc)
        url = f"http://127.0.0.1:{port}/api/v1/cases"
        bodies = {pkg: _load(pkg) for pkg in pool + warmup}  # read before timing: the clients only send
        if intake_only:
            for pkg in pool:
                bodies[pkg][0]["accepted_at"] = "2023-02-30"
        expected = 422 if intake_only else 201

        def send(client: httpx.Client, pkg: Path) -> tuple[int, float]:
            doc, files = bodies[pkg]
            key = keys[(doc["source_system"], doc["department"])]
            start = time.perf_counter()
            r = client.post(url, data={"case": json.dumps(doc, ensure_ascii=False)},
                            files=[("files", (p, d, "application/pdf")) for p, d in files],
                            headers={"Authorization": f"Bearer {key}"})  # fmt: skip
            return r.status_code, time.perf_counter() - start

        with httpx.Client(timeout=120) as c:
            for pkg in warmup:
                status, _ = send(c, pkg)
                assert status == 201, status
        queue = list(pool)
        lock = threading.Lock()
        latencies: list[float] = []
        statuses: list[int] = []

        def worker() -> None:
            with httpx.Client(timeout=120) as c:
                while True:
                    with lock:
                        if not queue:
                            return
                        pkg = queue.pop()
                    status, took = send(c, pkg)
                    with lock:
                        statuses.append(status)
                        latencies.append(took)

        threads = [threading.Thread(target=worker) for _ in range(clients)]
        os.sync()  # earlier steps' writes must not land in this one's syncs
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    bad = [s for s in statuses if s != expected]
    assert not bad, f"{len(bad)} pushes failed, e.g. HTTP {bad[0]}"
    latencies.sort()
    return {
        "channel": f"push API, {clients} clients" + (", intake only (422 before ingest)" if intake_only else ""),
        "packages": len(pool), "seconds": round(elapsed, 2),
        "packages_per_s": round(len(pool) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1),
    }  # fmt: skip


def run_serial(pool: list[Path], home: Path) -> dict[str, Any]:
    """`import_one` per package in one thread: what one server process can ingest at most."""
    archive = open_archive(load_settings(home))
    try:
        os.sync()  # earlier steps' writes must not land in this one's syncs
        start = time.perf_counter()
        for pkg in pool:
            assert import_one(archive, pkg).status == "accepted"
        elapsed = time.perf_counter() - start
    finally:
        archive.close()
    return {"channel": "ingest alone (import_one, one thread)", "packages": len(pool), "seconds": round(elapsed, 2),
            "packages_per_s": round(len(pool) / elapsed, 1), "p50_ms": "", "p95_ms": ""}  # fmt: skip


def run_bulk(pool_dir: Path, home: Path, count: int) -> dict[str, Any]:
    archive = open_archive(load_settings(home))
    try:
        os.sync()  # earlier steps' writes must not land in this one's syncs
        start = time.perf_counter()
        report = import_paths(archive, [pool_dir])
        elapsed = time.perf_counter() - start
    finally:
        archive.close()
    assert not report.rejected, report.as_json()["rejected"][:1]
    return {"channel": "bulk import (dangan import)", "packages": count, "seconds": round(elapsed, 2),
            "packages_per_s": round(count / elapsed, 1), "p50_ms": "", "p95_ms": ""}  # fmt: skip


def run_check_items(pool: list[Path], home: Path) -> list[dict[str, Any]]:
    """The 归档 scheme on every package, timed per item: where the 四性检测's time goes."""
    archive = open_archive(load_settings(home))
    timings: dict[str, float] = {}
    try:
        for pkg in pool:
            with open_package(pkg, archive.staging) as opened:
                check_package(archive, opened, timings=timings)
    finally:
        archive.close()
    total = sum(timings.values()) or 1.0
    return [
        {"item": code, "name": REGISTRY[code].name, "ms_per_package": round(t / len(pool) * 1000, 2),
         "share": f"{t / total:.0%}"}
        for code, t in sorted(timings.items(), key=lambda kv: -kv[1])
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--packages", type=int, default=400)
    ap.add_argument("--clients", type=int, default=4)
    args = ap.parse_args()
    bench_dir = Path(os.environ.get("BENCH_DIR", Path(__file__).resolve().parent / ".work"))
    bench_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dangan-collect-", dir=bench_dir))
    try:
        all_pkgs = make_pool(work / "pool", args.packages + 8)
        warmup, pool = all_pkgs[:8], all_pkgs[8:]  # the warm-up pushes load the server's code paths
        sizes = [sum(f.stat().st_size for f in p.iterdir()) for p in pool]
        api = run_api(pool, work / "home-api", args.clients, warmup)
        intake = run_api(pool, work / "home-intake", args.clients, warmup, intake_only=True)
        serial = run_serial(pool, work / "home-serial")
        bulk_dir = work / "bulk"
        bulk_dir.mkdir()
        for pkg in pool:
            shutil.copytree(pkg, bulk_dir / pkg.name)
        bulk = run_bulk(bulk_dir, work / "home-bulk", len(pool))
        items = run_check_items(pool, work / "home-checks")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [api, intake, serial, bulk]
    kb = statistics.mean(sizes) / 1024
    print_table(f"Collection: {len(pool)} packages of 3 PDFs, {kb:.0f} KB each on average", rows,
                ["channel", "packages", "seconds", "packages_per_s", "p50_ms", "p95_ms"])  # fmt: skip
    print_table("四性检测 (归档 scheme) per item", items, ["item", "name", "ms_per_package", "share"])
    path = write_json("collect", {"machine": machine(), "package_kb": round(kb, 1), "results": rows,
                                  "check_items": items, "targets": {"api_packages_per_s": 50}})  # fmt: skip
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
