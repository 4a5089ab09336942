"""The layout of an exchange package (交换包): a BagIt bag of records, as another archive reads it.

```
bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
data/exchange.json              who exported what, when: the archive, the records, its checkpoint keys
data/records/<record_id>/       one case package v1 per record: case.json as archived + its files
data/metadata/<record_id>.xml   catalogue metadata, DA/T 46 element names
data/metadata/<record_id>.json  the same as JSON (catalogue fields, files with hashes and formats)
data/checks/<record_id>.json    the stored 四性检测 report
data/proofs/<record_id>.json    the ledger inclusion proof of the record's ingest entry + checkpoint
```

bag-info.txt names the exporting archive twice: `Source-Organization` for people (全宗名称 and 全宗号),
`External-Identifier` for machines (the archive id, `dangan:<全宗号>:<checkpoint key id>`). The label
`Dangan-Exchange` marks the bag as an exchange package, so `dangan import` hands it to the exchange
import instead of looking for one case.json in data/. The case.json is written as archived, so an
import computes the same package fingerprint and the same catalogue fields.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ._exchange_xml import record_xml

EXCHANGE_LABEL = "Dangan-Exchange"
EXCHANGE_VERSION = "1"
MANIFEST = "exchange.json"
RECORDS, METADATA, CHECKS, PROOFS = "records", "metadata", "checks", "proofs"
MAX_INFO_BYTES = 64 * 1024


@dataclass(frozen=True)
class ArchiveIdentity:
    """Which archive a bag comes from: `id` for machines, `name` (全宗名称) for people."""

    id: str
    name: str
    fonds_code: str

    @classmethod
    def of(cls, fonds_code: str, fonds_name: str, key_id: str) -> ArchiveIdentity:
        return cls(f"dangan:{fonds_code}:{key_id}", fonds_name, fonds_code)


@dataclass(frozen=True)
class ExportFile:
    path: str
    role: str | None
    sha256: str
    size: int
    media_type: str
    sm3: str | None = None
    format_puid: str | None = None
    format_name: str | None = None
    format_version: str | None = None


@dataclass(frozen=True)
class ExportRecord:
    """One record as it goes into the bag (its files' bytes are streamed separately)."""

    record_id: str
    document: dict[str, Any]  # case.json as archived
    catalogue: dict[str, Any]  # the catalogue fields as the ledger binds them (record_snapshot)
    org_code: str
    item_no: int
    files: tuple[ExportFile, ...]
    check_report: dict[str, Any] | None
    proof: dict[str, Any]


def record_folder(record_id: str) -> str:
    return f"{RECORDS}/{record_id}"


def file_rel(record_id: str, path: str) -> str:
    return f"{record_folder(record_id)}/{path}"


def metadata_doc(identity: ArchiveIdentity, rec: ExportRecord) -> dict[str, Any]:
    return {
        "record_id": rec.record_id,
        "archive": {"id": identity.id, "name": identity.name, "fonds_code": identity.fonds_code},
        "org_code": rec.org_code,
        "item_no": rec.item_no,
        "catalogue": rec.catalogue,
        "files": [asdict(f) for f in rec.files],
    }


def _json(doc: Any, indent: int | None = 2) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=indent) + "\n").encode("utf-8")


def record_tag_files(identity: ArchiveIdentity, rec: ExportRecord) -> list[tuple[str, bytes]]:
    """Every small payload file of one record: (path below data/, bytes). Its files come separately."""
    meta = metadata_doc(identity, rec)
    out = [
        (f"{record_folder(rec.record_id)}/case.json", _json(rec.document)),
        (f"{METADATA}/{rec.record_id}.json", _json(meta)),
        (f"{METADATA}/{rec.record_id}.xml", record_xml(meta)),
        (f"{PROOFS}/{rec.record_id}.json", _json(rec.proof)),
    ]
    if rec.check_report is not None:
        out.append((f"{CHECKS}/{rec.record_id}.json", _json(rec.check_report)))
    return out


def exchange_manifest(
    identity: ArchiveIdentity,
    export_id: str,
    exported_at: str,
    exported_by: str,
    records: list[ExportRecord],
    keys: list[dict[str, str]],
) -> bytes:
    """data/exchange.json: the list an import checks the bag's folders against."""
    return _json(
        {
            "format": "dangan-exchange",
            "version": int(EXCHANGE_VERSION),
            "export_id": export_id,
            "exported_at": exported_at,
            "exported_by": exported_by,
            "archive": {"id": identity.id, "name": identity.name, "fonds_code": identity.fonds_code},
            "checkpoint_keys": keys,
            "records": [
                {
                    "record_id": r.record_id,
                    "source_system": r.catalogue["source_system"],
                    "source_id": r.catalogue["source_id"],
                    "archival_code": r.catalogue["archival_code"],
                    "fingerprint": r.catalogue["fingerprint"],
                    "files": len(r.files),
                    "bytes": sum(f.size for f in r.files),
                }
                for r in records
            ],
        }
    )


def bag_info(
    identity: ArchiveIdentity, export_id: str, bagging_date: str, count: int
) -> list[tuple[str, str]]:
    return [
        ("Source-Organization", f"{identity.name}（全宗号 {identity.fonds_code}）"),
        ("External-Identifier", identity.id),
        ("Internal-Sender-Identifier", export_id),
        (
            "Internal-Sender-Description",
            f"Dangan 交换包：{count} 件档案（案卷包 v1、DA/T 46 元数据、四性检测报告、账本证明）",
        ),
        ("Bagging-Date", bagging_date),
        ("Bag-Software-Agent", "Dangan"),
        (EXCHANGE_LABEL, EXCHANGE_VERSION),
    ]


def _info_has_marker(text: str) -> bool:
    return any(line.split(":", 1)[0].strip() == EXCHANGE_LABEL for line in text.splitlines() if ":" in line)


def is_exchange_bag(path: Path) -> bool:
    """A bag folder, or a ZIP of one, whose bag-info.txt carries the exchange label (not validated here)."""
    try:
        if path.is_dir():
            info = path / "bag-info.txt"
            if not info.is_file() or info.is_symlink() or info.stat().st_size > MAX_INFO_BYTES:
                return False
            return _info_has_marker(info.read_text(encoding="utf-8", errors="replace"))
        if not (path.is_file() and path.suffix.lower() == ".zip"):
            return False
        with zipfile.ZipFile(path) as zf:
            for item in zf.infolist():
                parts = item.filename.split("/")
                if parts[-1] == "bag-info.txt" and len(parts) <= 2 and item.file_size <= MAX_INFO_BYTES:
                    return _info_has_marker(zf.read(item).decode("utf-8", errors="replace"))
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return False
