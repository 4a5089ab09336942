"""Everything an exchange bag must pass before one byte of it is stored (nothing here writes).

1. The bag is a valid BagIt bag, checked in full (every payload and tag checksum, Payload-Oxum), by the
   same validator `dangan bag validate` and every BagIt import use: tampered or incomplete is refused.
2. The bag is an exchange package this version reads, and its bag-info, exchange.json and per-record
   metadata name the same exporting archive and the same records; every record has its case package,
   metadata and proof (its 四性检测 report may be absent for records archived before checks existed).
3. Every case package opens as any package would, and its content is what the exporting archive logged:
   the fingerprint and file hashes agree with exchange.json and with the ledger entry whose inclusion
   proof, under a checkpoint signed by one of the exporter's keys, travels with it.
4. It does not claim records of another archive. A bag whose External-Identifier is *this* archive
   must hold only records this archive has, unchanged (re-importing an export is a no-op); any bag
   that holds a record whose source key (source_system, source_id) is archived here with different
   content, or whose record id is taken here by another case, is refused — the archive never
   overwrites, and two archives' records are never merged under one key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dangan.collect import PackageRejected, read_folder, validate_bag
from dangan.core import Problem
from dangan.services.archive import Archive
from dangan.services.intake import fingerprint
from dangan.share import (
    CHECKS,
    EXCHANGE_LABEL,
    EXCHANGE_VERSION,
    MANIFEST,
    METADATA,
    PROOFS,
    RECORDS,
    record_xml,
)
from dangan.store.catalog import Record, find_by_sources
from dangan.store.objects import hash_file

from ._proofs import verify_exchange_proof

_RECORD_ID = re.compile(r"[0-9A-Z]{26}")
_MAX_JSON = 16 * 1024 * 1024


@dataclass
class ExchangePlan:
    """A bag that passed: where its case packages are, and what it says about itself."""

    export_id: str
    source: str  # the exporting archive's id
    key_id: str
    folders: list[Path] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)


def _info(info: dict[str, list[str]], label: str) -> str | None:
    found = [v for k, vs in info.items() if k.casefold() == label.casefold() for v in vs]
    return found[0] if found else None


def _read_json(path: Path, rel: str, problems: list[Problem]) -> Any:
    if path.is_symlink() or not path.is_file():
        problems.append(Problem("exchange_incomplete", f"交换包缺少 {rel}", rel))
        return None
    if path.stat().st_size > _MAX_JSON:
        problems.append(Problem("exchange_malformed", f"{rel} 过大", rel))
        return None
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        problems.append(Problem("exchange_malformed", f"{rel} 不是有效的 UTF-8 JSON：{exc}", rel))
        return None


def _manifest_digests(root: Path) -> dict[str, str]:
    """data-relative path -> SHA-256 from manifest-sha256.txt (already verified by the validator)."""
    path = root / "manifest-sha256.txt"
    out: dict[str, str] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition(" ")
        name = name.strip().replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        if name.startswith("data/"):
            out[name[5:]] = digest.lower()
    return out


def _manifest_doc(root: Path, info: dict[str, list[str]], problems: list[Problem]) -> dict[str, Any] | None:
    if _info(info, EXCHANGE_LABEL) != EXCHANGE_VERSION:
        problems.append(
            Problem(
                "exchange_version",
                f"交换包版本“{_info(info, EXCHANGE_LABEL)}”不受支持（应为 {EXCHANGE_VERSION}）",
            )
        )
        return None
    doc = _read_json(root / "data" / MANIFEST, f"data/{MANIFEST}", problems)
    if doc is None:
        return None
    source = _info(info, "External-Identifier")
    try:
        records = doc["records"]
        ok = (doc["format"] == "dangan-exchange" and isinstance(records, list) and records
              and all(isinstance(r, dict) and _RECORD_ID.fullmatch(str(r.get("record_id", ""))) for r in records))  # fmt: skip
        archive_id = doc["archive"]["id"]
        keys = {str(k["key_id"]) for k in doc["checkpoint_keys"]}
    except (KeyError, TypeError):
        ok = False
    if not ok:
        problems.append(Problem("exchange_malformed", f"data/{MANIFEST} 的结构不正确", f"data/{MANIFEST}"))
        return None
    if not source or source != archive_id:
        problems.append(Problem("exchange_source_mismatch",
                                f"bag-info.txt 的 External-Identifier（{source}）与 data/{MANIFEST} 的导出方（{archive_id}）不符"))  # fmt: skip
    named = f"{doc['archive'].get('name')}（全宗号 {doc['archive'].get('fonds_code')}）"
    if _info(info, "Source-Organization") != named:
        problems.append(Problem("exchange_source_mismatch",
                                f"bag-info.txt 的 Source-Organization 与 data/{MANIFEST} 的导出方（{named}）不符"))  # fmt: skip
    if source and source.rsplit(":", 1)[-1] not in keys:
        problems.append(Problem("exchange_source_mismatch", "导出方标识中的密钥不在交换包列出的检查点公钥中"))
    doc["_keys"] = keys
    return doc


def _folders_complete(data: Path, ids: list[str], problems: list[Problem]) -> None:
    listed = set(ids)
    if len(listed) != len(ids):
        problems.append(Problem("exchange_malformed", f"data/{MANIFEST} 重复列出了档案"))
    folder = data / RECORDS
    present = {p.name for p in folder.iterdir() if p.is_dir()} if folder.is_dir() else set()
    for rid in sorted(listed - present):
        problems.append(
            Problem("exchange_incomplete", f"交换包缺少档案 {rid} 的案卷包", f"data/{RECORDS}/{rid}")
        )
    for name in sorted(present - listed):
        problems.append(
            Problem(
                "exchange_unlisted", f"data/{RECORDS}/{name} 未在 {MANIFEST} 中列出", f"data/{RECORDS}/{name}"
            )
        )


def _check_record(data: Path, entry: dict[str, Any], doc: dict[str, Any], digests: dict[str, str],
                  problems: list[Problem]) -> None:  # fmt: skip
    rid = str(entry["record_id"])
    meta = _read_json(data / METADATA / f"{rid}.json", f"data/{METADATA}/{rid}.json", problems)
    xml = data / METADATA / f"{rid}.xml"
    if not xml.is_file():
        problems.append(Problem("exchange_incomplete", f"交换包缺少 data/{METADATA}/{rid}.xml"))
    elif isinstance(meta, dict) and not _xml_agrees(xml, meta):
        problems.append(Problem("exchange_mismatch", f"data/{METADATA}/{rid}.xml 与 {rid}.json 的著录不一致",
                                f"data/{METADATA}/{rid}.xml"))  # fmt: skip
    proof = _read_json(data / PROOFS / f"{rid}.json", f"data/{PROOFS}/{rid}.json", problems)
    if (data / CHECKS / f"{rid}.json").exists():
        _read_json(data / CHECKS / f"{rid}.json", f"data/{CHECKS}/{rid}.json", problems)
    try:
        pkg = read_folder(data / RECORDS / rid, f"data/{RECORDS}/{rid}")
    except PackageRejected as exc:
        problems.extend(
            Problem(p.code, f"档案 {rid}：{p.message}", p.field)
            for p in exc.problems or [Problem(exc.code, exc.message)]
        )
        return
    key = [pkg.metadata.source_system, pkg.metadata.source_id]
    if key != [entry.get("source_system"), entry.get("source_id")]:
        problems.append(Problem("exchange_mismatch", f"档案 {rid} 的 case.json 来源编号与 {MANIFEST} 不符"))
    if isinstance(meta, dict) and (meta.get("record_id") != rid or meta.get("archive") != doc["archive"]
                                   or [(meta.get("catalogue") or {}).get(k) for k in ("archival_code", "fingerprint")]
                                   != [entry.get("archival_code"), entry.get("fingerprint")]
                                   or [(meta.get("catalogue") or {}).get(k) for k in ("source_system", "source_id")] != key):  # fmt: skip
        problems.append(Problem("exchange_mismatch", f"data/{METADATA}/{rid}.json 与案卷包或导出方不符"))
    hashes = {f.path: digests.get(f"{RECORDS}/{rid}/{f.path}") or hash_file(f.source) for f in pkg.files}
    print_ = fingerprint(pkg.document, hashes)
    if print_ != entry.get("fingerprint"):
        problems.append(Problem("exchange_mismatch", f"档案 {rid} 的案卷包内容与 {MANIFEST} 记录的指纹不符"))
    if proof is not None:
        found, _ = verify_exchange_proof(proof, rid, print_, hashes, doc["_keys"])
        problems.extend(found)


def _xml_agrees(path: Path, meta: dict[str, Any]) -> bool:
    """The DA/T 46 XML is written from the JSON metadata (`record_xml`), so a bag whose XML says
    something else was edited after export (its manifests recomputed): the two must be byte-equal. Bags
    of another exchange version are refused earlier, so a change to the writer comes with a new version."""
    try:
        expected = record_xml(meta)
    except (KeyError, TypeError, ValueError, AttributeError):
        return False
    try:
        return path.stat().st_size == len(expected) and path.read_bytes() == expected
    except OSError:
        return False


def _claims(archive: Archive, doc: dict[str, Any], ours: str, problems: list[Problem]) -> None:
    entries = doc["records"]
    keys = [(str(e.get("source_system")), str(e.get("source_id"))) for e in entries]
    ids = [str(e["record_id"]) for e in entries]
    from_here = doc["archive"]["id"] == ours
    with archive.db.read() as s:
        by_key = find_by_sources(s, keys)
        by_id = {
            r.id: (r.source_system, r.source_id) for r in s.scalars(select(Record).where(Record.id.in_(ids)))
        }
    for e, key, rid in zip(entries, keys, ids, strict=True):
        existing = by_key.get(key)
        if existing is not None and existing.fingerprint != e.get("fingerprint"):
            problems.append(Problem("exchange_conflict", f"来源编号 {key[0]}/{key[1]} 已在本馆归档（档号 {existing.archival_code}），"
                                    "交换包中的内容与之不同；已归档案卷不会被覆盖"))  # fmt: skip
        if rid in by_id and by_id[rid] != key:
            problems.append(
                Problem(
                    "exchange_id_collision", f"档案编号 {rid} 在本馆属于另一案卷，交换包声称的档案不属于它"
                )
            )
        if from_here and (existing is None or existing.id != rid):
            problems.append(
                Problem(
                    "exchange_claims_this_archive",
                    f"交换包声称导出自本馆，但档案 {rid}（{key[0]}/{key[1]}）不在本馆",
                )
            )


def check_exchange(archive: Archive, root: Path, ours: str) -> tuple[ExchangePlan | None, list[Problem]]:
    """The plan to import a bag folder, or every reason it is refused."""
    report = validate_bag(root)
    if not report.valid:
        return None, [e.as_problem() for e in report.errors]
    problems: list[Problem] = []
    doc = _manifest_doc(root, report.info, problems)
    if doc is None or problems:
        return None, problems
    data = root / "data"
    ids = [str(r["record_id"]) for r in doc["records"]]
    _folders_complete(data, ids, problems)
    if problems:
        return None, problems
    digests = _manifest_digests(root)
    for entry in doc["records"]:
        _check_record(data, entry, doc, digests, problems)
    _claims(archive, doc, ours, problems)
    if problems:
        return None, problems
    source = doc["archive"]["id"]
    plan = ExchangePlan(str(doc.get("export_id", "")), source, source.rsplit(":", 1)[-1])
    plan.record_ids = ids
    plan.folders = [data / RECORDS / rid for rid in ids]
    return plan, []
