"""A small OFD (GB/T 33190) reader: enough to prove a file opens, read its text and see its signatures.

Existing OFD libraries fail on their own samples (DESIGN.md §3), so this walks the zip + XML itself:
OFD.xml → DocRoot (Document.xml) → each Page's Content.xml, resolving BaseLoc paths both absolute
("/Doc_0/...") and relative to the referring file, and matching elements by local name so that
files written with a non-standard namespace still read. Signatures are found through
DocBody/Signatures and their References' digests (SM3 or SHA-256) are recomputed; the bytes a
signature value signs (Signature.xml, SignedValue.dat, the seal file; OFDEntries.xml for integrity
protection) are kept so that `ofd_signature` can verify the SM2 signature against trust roots.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

MAX_PART_BYTES = 32 * 1024 * 1024
_DIGESTS = {
    "sm3": "sm3",
    "1.2.156.10197.1.401": "sm3",
    "sha256": "sha256",
    "sha-256": "sha256",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "sha1": "sha1",
    "1.3.14.3.2.26": "sha1",
    "md5": "md5",
}


class OfdError(Exception):
    """The file is not a readable OFD; the message says why, in Chinese."""


@dataclass(frozen=True)
class SignedBytes:
    """What a signature value signs and the value itself, read from the package for verification."""

    signed: bytes
    value: bytes | None
    seal: bytes | None = None
    problem: str | None = None


@dataclass
class OfdSignature:
    path: str
    kind: str
    method: str | None
    references: int = 0
    mismatched: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    signed_value: str | None = None
    signature_time: str | None = None
    material: SignedBytes | None = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "signature": self.path,
            "type": self.kind,
            "method": self.method,
            "references": self.references,
            "mismatched": self.mismatched,
            "unchecked": self.unchecked,
            "missing": self.missing,
            "signed_value": self.signed_value,
        }


@dataclass
class OfdDocument:
    pages: int
    text: str
    signatures: list[OfdSignature]
    integrity_entries: bool
    encrypted: bool
    integrity: SignedBytes | None = field(default=None, repr=False, compare=False)
    unlisted: list[str] = field(default_factory=list)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node.iter() if _local(c.tag) == name]


def _first_text(node: ET.Element, name: str) -> str | None:
    for c in node.iter():
        if _local(c.tag) == name and c.text and c.text.strip():
            return c.text.strip()
    return None


class _Zip:
    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = {i.filename.replace("\\", "/").lstrip("/"): i for i in zf.infolist() if not i.is_dir()}

    def resolve(self, loc: str, base_dir: str) -> str | None:
        loc = loc.strip().replace("\\", "/")
        candidates = [loc.lstrip("/")] if loc.startswith("/") else [posixpath.join(base_dir, loc), loc]
        for c in candidates:
            norm = posixpath.normpath(c).lstrip("/")
            if norm in self.names:
                return norm
        return None

    def read(self, name: str) -> bytes:
        info = self.names[name]
        if info.file_size > MAX_PART_BYTES:
            raise OfdError(f"OFD 部件 {name} 过大")
        return self.zf.read(info)

    def xml(self, name: str) -> ET.Element:
        try:
            return ET.fromstring(self.read(name))
        except ET.ParseError as exc:
            raise OfdError(f"OFD 部件 {name} 不是有效的 XML：{exc}") from exc


def _signature(z: _Zip, path: str, kind: str) -> OfdSignature:
    root = z.xml(path)
    refs = next((c for c in root.iter() if _local(c.tag) == "References"), None)
    method = refs.get("CheckMethod") if refs is not None else None
    sig = OfdSignature(path, kind, method)
    sig.signature_time = _first_text(root, "SignatureDateTime")
    sig.signed_value, sig.material = _signed_bytes(z, root, path)
    algo = _DIGESTS.get((method or "").strip().lower())
    for ref in _children(root, "Reference"):
        sig.references += 1
        target = z.resolve(ref.get("FileRef", ""), posixpath.dirname(path))
        expected = _first_text(ref, "CheckValue")
        if target is None:
            sig.missing.append(ref.get("FileRef", ""))
            continue
        if expected is None or algo is None:
            sig.unchecked.append(ref.get("FileRef", ""))
            continue
        digest = base64.b64encode(hashlib.new(algo, z.read(target)).digest()).decode()
        if digest != expected:
            sig.mismatched.append(ref.get("FileRef", ""))
    return sig


def _signed_bytes(z: _Zip, root: ET.Element, path: str) -> tuple[str | None, SignedBytes]:
    """Signature.xml as stored (the signed bytes), its SignedValue and the seal file it names."""
    signed = z.read(path)
    base = posixpath.dirname(path)
    loc = _first_text(root, "SignedValue")
    target = z.resolve(loc, base) if loc else None
    if target is None:
        return loc, SignedBytes(signed, None, problem=f"签名值文件 {loc or '（未指定）'} 不存在")
    seal = None
    seal_node = next((c for c in root.iter() if _local(c.tag) == "Seal"), None)
    seal_loc = _first_text(seal_node, "BaseLoc") if seal_node is not None else None
    seal_path = z.resolve(seal_loc, base) if seal_loc else None
    if seal_path is not None:
        seal = z.read(seal_path)
    return loc, SignedBytes(signed, z.read(target), seal)


def _integrity(z: _Zip) -> tuple[SignedBytes, list[str]]:
    """OFDEntries.xml (ofdrw-crypto's integrity protection), its signed value, and files it omits."""
    raw = z.read("OFDEntries.xml")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        return SignedBytes(raw, None, problem=f"OFDEntries.xml 不是有效的 XML：{exc}"), []
    loc = _first_text(root, "SignedValueLoc")
    target = z.resolve(loc, "") if loc else None
    listed = {z.resolve(f.get("FileLoc", ""), "") for f in _children(root, "File")}
    unlisted = sorted(n for n in z.names if n not in listed and n not in {target, "OFDEntries.xml"})
    if target is None:
        return SignedBytes(raw, None, problem=f"签名值文件 {loc or '（未指定）'} 不存在"), unlisted
    return SignedBytes(raw, z.read(target)), unlisted


def _signatures(z: _Zip, body: ET.Element) -> list[OfdSignature]:
    loc = _first_text(body, "Signatures")
    if loc is None:
        return []
    path = z.resolve(loc, "")
    if path is None:
        raise OfdError(f"OFD 签名列表 {loc} 不存在")
    root = z.xml(path)
    out = []
    for s in _children(root, "Signature"):
        target = z.resolve(s.get("BaseLoc", ""), posixpath.dirname(path))
        if target is None:
            raise OfdError(f"OFD 签名文件 {s.get('BaseLoc')} 不存在")
        out.append(_signature(z, target, s.get("Type") or "Seal"))  # GB/T 33190: Type defaults to Seal
    return out


def read_ofd(path: Path, *, with_text: bool = True) -> OfdDocument:
    """Open an OFD and walk every page; raise `OfdError` when any required part is missing or broken."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise OfdError(f"不是有效的 OFD（ZIP 容器无法打开）：{exc}") from exc
    with zf:
        encrypted = any(i.flag_bits & 0x1 for i in zf.infolist())
        if encrypted:
            return OfdDocument(0, "", [], False, True)
        z = _Zip(zf)
        if "OFD.xml" not in z.names:
            raise OfdError("OFD 缺少入口文件 OFD.xml")
        ofd = z.xml("OFD.xml")
        if _local(ofd.tag) != "OFD":
            raise OfdError("OFD.xml 的根元素不是 OFD")
        bodies = _children(ofd, "DocBody")
        if not bodies:
            raise OfdError("OFD.xml 中没有 DocBody")
        pages, texts, signatures = 0, [], []
        for body in bodies:
            doc_loc = _first_text(body, "DocRoot")
            doc_path = z.resolve(doc_loc or "", "")
            if doc_path is None:
                raise OfdError(f"OFD 文档根 {doc_loc} 不存在")
            document = z.xml(doc_path)
            doc_dir = posixpath.dirname(doc_path)
            for page in _children(document, "Page"):
                if not page.get("BaseLoc"):
                    continue
                page_path = z.resolve(page.get("BaseLoc", ""), doc_dir)
                if page_path is None:
                    raise OfdError(f"OFD 页面 {page.get('BaseLoc')} 不存在")
                content = z.xml(page_path)
                pages += 1
                if with_text:
                    texts.append("".join(t.text or "" for t in _children(content, "TextCode")))
            signatures.extend(_signatures(z, body))
        if pages == 0:
            raise OfdError("OFD 文档没有页面")
        doc = OfdDocument(pages, "\n".join(texts), signatures, "OFDEntries.xml" in z.names, False)
        if doc.integrity_entries:
            doc.integrity, doc.unlisted = _integrity(z)
        return doc
