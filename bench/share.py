"""Sharing at scale. Section `oai`: a full OAI-PMH harvest (ListRecords, oai_dc) of 10^5 records open to
the public, through the same service the /oai route calls, following resumption tokens to the end;
records/s, pages, and a check that no token expired or was refused mid-harvest and every open record
came exactly once. The catalogue is filled by the synthetic loader's rows (`_synthetic.rows`: about one
record in five is open to the public; all share one created_at, so the keyset's tie-break on the record
id is what pages them). Run once as loaded and once with an index on record(created_at, id).

Sections `api_search` (a business system's API key searching /api/v1 with 8 clients, p95) and `progress`
(the public progress lookup, 8 clients, p95 of right and wrong answers, the limit across web processes)
go through a served app: see `_share_api.py`. Another (export+import round trip) adds its own function.

    .venv/bin/python bench/share.py [--open 100000] [--page 500] [--api-records 100000] [--per-client 25]
                                    [--sections oai,api_search,progress] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import RESULTS, machine, print_table, write_json
from _share_api import section_api_search, section_progress
from _synthetic import COLUMNS, open_catalogue, rows

from dangan.core import Settings, load_settings
from dangan.services.archive import Archive, open_archive
from dangan.services.share import oai_response

OAI = "{http://www.openarchives.org/OAI/2.0/}"
OPEN_SHARE = 0.2  # of synthetic rows: 公开 (0.25) and open (0.8)


def load_records(db: Path, n: int, seed: int = 7) -> int:
    """The synthetic loader's catalogue rows only (OAI reads no search text); returns how many are open."""
    con, dept_ids, matter_ids = open_catalogue(db)
    placeholders = ", ".join("?" * len(COLUMNS.split(",")))
    batch: list[tuple[object, ...]] = []
    for row in rows(n, seed, dept_ids, matter_ids):
        batch.append(row.values)
        if len(batch) == 20_000:
            con.executemany(f"INSERT INTO record({COLUMNS}) VALUES ({placeholders})", batch)
            batch = []
    if batch:
        con.executemany(f"INSERT INTO record({COLUMNS}) VALUES ({placeholders})", batch)
    con.commit()
    con.execute("ANALYZE")
    opened = con.execute(
        "SELECT count(*) FROM record WHERE open_to_public = 1 AND security_rank = 0"
    ).fetchone()[0]
    con.close()
    return int(opened)


class PagedSettings(Settings):
    oai_page_size: int = 500


def harvest(archive: Archive) -> dict[str, Any]:
    from lxml import etree

    params: list[tuple[str, str]] = [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")]
    seen: set[str] = set()
    pages = duplicates = 0
    errors: list[str] = []
    complete = None
    start = time.perf_counter()
    while True:
        doc = etree.fromstring(oai_response(archive, params, "http://bench"))
        pages += 1
        error = doc.find(f"{OAI}error")
        if error is not None:
            errors.append(str(error.get("code")))
            break
        for ident in doc.iterfind(f".//{OAI}header/{OAI}identifier"):
            duplicates += ident.text in seen
            seen.add(str(ident.text))
        token = doc.find(f".//{OAI}resumptionToken")
        if token is None or not token.text:
            break
        complete = token.get("completeListSize")
        params = [("verb", "ListRecords"), ("resumptionToken", token.text)]
    seconds = time.perf_counter() - start
    return {"records": len(seen), "pages": pages, "seconds": round(seconds, 2),
            "records_per_s": round(len(seen) / seconds), "duplicates": duplicates, "errors": errors,
            "complete_list_size": int(complete) if complete else len(seen)}  # fmt: skip


def section_oai(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    home = work / "oai"
    base = load_settings(home)
    archive = open_archive(PagedSettings(**{**base.model_dump(), "oai_page_size": args.page}))
    total = int(args.open / OPEN_SHARE * 1.02)
    t0 = time.perf_counter()
    opened = load_records(home / "catalog.db", total)
    load_s = time.perf_counter() - t0
    print(f"loaded {total} records ({opened} open) in {load_s:.0f} s", file=sys.stderr)
    results = []
    for label in ("as loaded", "index record(created_at, id)"):
        if label.startswith("index"):
            con = sqlite3.connect(home / "catalog.db")
            con.execute("CREATE INDEX IF NOT EXISTS bench_record_created_id ON record(created_at, id)")
            con.execute("ANALYZE")
            con.close()
        got = harvest(archive)
        assert not got["errors"], f"harvest stopped: {got['errors']} (a token expired or was refused)"
        assert got["records"] == opened and not got["duplicates"], got
        assert got["complete_list_size"] == opened, got
        results.append({"section": "oai", "catalogue": label, "catalogue_records": total, "open": opened,
                        "page_size": args.page, **got})  # fmt: skip
    archive.close()
    return results


SECTIONS: dict[str, Callable[[argparse.Namespace, Path], list[dict[str, Any]]]] = {
    "oai": section_oai,
    "api_search": section_api_search,
    "progress": section_progress,
    # "exchange": export + import round trip (MB/s) — added by its owner
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000, help="records open to the public to harvest")
    parser.add_argument("--page", type=int, default=500, help="OAI-PMH page size")
    parser.add_argument(
        "--api-records", type=int, default=100_000, help="catalogue size for the HTTP sections"
    )
    parser.add_argument("--per-client", type=int, default=25, help="requests per client in the HTTP sections")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-share-"))
    work.mkdir(parents=True, exist_ok=True)
    rows_out: list[dict[str, Any]] = []
    try:
        for name in args.sections.split(","):
            rows_out += SECTIONS[name.strip()](args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    tables = {
        "oai": ("OAI-PMH full harvest (ListRecords, oai_dc)",
                ["catalogue", "catalogue_records", "open", "records", "page_size", "pages", "seconds", "records_per_s", "errors"]),
        "api_search": ("API search by a business system with 8 clients (dangan serve --workers 2)",
                       ["auth", "records", "clients", "requests", "p50_ms", "p95_ms", "requests_per_s"]),
        "progress": ("Public progress lookup, 8 clients (dangan serve --workers 2)",
                     ["records", "requests", "p50_ms", "p95_ms", "p50_right_ms", "p95_right_ms", "p50_wrong_factor_ms",
                      "p95_wrong_factor_ms", "p50_unknown_number_ms", "p95_unknown_number_ms", "requests_per_s",
                      "limit_holds_across_workers"]),
    }  # fmt: skip
    for section, (title, columns) in tables.items():
        if chosen := [r for r in rows_out if r["section"] == section]:
            print_table(title, chosen, columns)
    ran = {r["section"] for r in rows_out}
    earlier = RESULTS / "share.json"  # sections not run this time keep their last results
    kept = json.loads(earlier.read_text(encoding="utf-8")).get("results", []) if earlier.exists() else []
    rows_out = [r for r in kept if r.get("section") not in ran] + rows_out
    path = write_json("share", {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()},
                                "results": rows_out})  # fmt: skip
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
