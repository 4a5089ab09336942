"""Format identification with PRONOM ids, from opf-fido's signature files (offline).

Fido's own matcher walks ElementTree nodes and recompiles regexes for every file (about 4 ms per small
PDF here); ingest cannot afford that per file. The signatures, priorities and extension table are
fido's; this module compiles them once per process and applies fido's matching rules (BOF anchored,
EOF/VAR/IFB searched, priorities drop inferior matches, extension only when no signature matches).
`tests/checks/test_formats.py` compares the two on real files so the shortcut cannot drift.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from .regexlits import Hint, literal_prefix, pattern_hint

BUFSIZE = 128 * 1024  # fido's default buffer at each end of the file
# Below this many bytes a regex fails fast enough that a literal pre-test costs more than it saves.
HINT_MIN_BYTES = 4096

# Formats fit for long-term preservation of approval records (DA/T 47, GB/T 33190, GB/T 18894):
# PDF 1.x/2.0, PDF/A, TIFF, JPEG, JPEG 2000, PNG, XML, plain text. OFD has no PRONOM entry in
# fido's signature release: it identifies as a ZIP container and is accepted as OFD only when
# `ofd.read_ofd` opens it (see `OFD_PUID`).
DEFAULT_ACCEPTED = frozenset(
    {
        *(f"fmt/{n}" for n in (14, 15, 16, 17, 18, 19, 20, 276, 1129)),  # PDF 1.0-1.7, 2.0
        *(f"fmt/{n}" for n in (95, 354, 476, 477, 478, 479, 480, 481)),  # PDF/A-1a … 3u
        "fmt/353", "fmt/7", "fmt/8", "fmt/9", "fmt/10", "x-fmt/387", "x-fmt/388", "x-fmt/399",  # TIFF
        "fmt/41", "fmt/42", "fmt/43", "fmt/44", "fmt/645", "fmt/1507",  # JPEG / JFIF / Exif
        "x-fmt/390", "x-fmt/391", "x-fmt/398",
        "x-fmt/392",  # JPEG 2000
        "fmt/11", "fmt/12", "fmt/13",  # PNG
        "fmt/101", "fmt/1776",  # XML
        "x-fmt/111",  # plain text
        "dangan-fmt/ofd",
    }
)  # fmt: skip
OFD_PUID = "dangan-fmt/ofd"
ZIP_PUID = "x-fmt/263"


@dataclass(frozen=True)
class FormatId:
    puid: str | None
    name: str | None
    version: str | None
    mime: str | None
    method: str  # "signature", "extension" or "none"

    def as_json(self) -> dict[str, Any]:
        return {"puid": self.puid, "name": self.name, "version": self.version, "method": self.method}


@dataclass(frozen=True)
class _Format:
    puid: str
    name: str
    version: str | None
    mime: str | None
    extensions: tuple[str, ...]
    signatures: tuple[tuple[tuple[str, bytes], ...], ...]  # (position, regex source)


TABLE = Path(__file__).parent / "data" / "pronom.json"
_KINDS = {"BOF": 0, "EOF": 1}  # anything else (VAR, IFB) is searched anywhere: 2


def _fido_conf() -> tuple[Path, str, str]:
    """fido's conf/ folder and the names of its two signature files (read directly: importing
    fido.fido pulls in requests, about 85 ms)."""
    conf = Path(str(importlib.resources.files("fido"))) / "conf"
    versions = ET.parse(conf / "versions.xml").getroot()
    pronom = versions.findtext("pronomSignature") or "formats-v109.xml"
    extensions = versions.findtext("fidoExtensionSignature") or "format_extensions.xml"
    return conf, pronom, extensions


def _sources(conf: Path, names: tuple[str, ...]) -> dict[str, str]:
    return {name: hashlib.sha256((conf / name).read_bytes()).hexdigest() for name in names}


def build_table() -> dict[str, Any]:
    """fido's signature files as one JSON document: what `data/pronom.json` ships (see `_Signatures`)."""
    conf, pronom, extensions = _fido_conf()
    sigs = _Signatures.parsed(conf, pronom, extensions)
    patterns = {(_KINDS.get(pos, 2), rx) for f in sigs.formats for sig in f.signatures for pos, rx in sig}
    starts = {sig[0][1] for f in sigs.formats for sig in f.signatures if sig[0][0] == "BOF"}
    hints = [(kind, rx, pattern_hint(kind, rx, BUFSIZE)) for kind, rx in sorted(patterns)]
    return {
        "release": pronom,
        "sources": _sources(conf, (pronom, extensions)),
        "formats": [
            [f.puid, f.name, f.version, f.mime, list(f.extensions),
             [[[pos, rx.decode("utf-8")] for pos, rx in sig] for sig in f.signatures],
             sorted(sigs.priority.get(f.puid, ()))]
            for f in sigs.formats
        ],
        # What matching reads from each regex (sre_parse: ≈ 0.1 ms a pattern), read here once.
        "prefixes": {rx.decode("utf-8"): literal_prefix(rx).hex() for rx in sorted(starts)},
        "hints": [[kind, rx.decode("utf-8"), *(h[:2] if h else ()), h[2].hex() if h else None]
                  for kind, rx, h in hints],
    }  # fmt: skip


class _Signatures:
    """fido's formats, signatures and priorities, compiled for matching.

    Parsing fido's 3.6 MB of XML, then reading each regex's prefix and pre-test hint, took ≈ 0.2 s of
    the first package's import in every process (each bulk import worker, every `dangan import`, the
    web server's first upload); the same content ships as `data/pronom.json`, read in a fraction of
    that, used only while fido's files are byte for byte those it was built from, else the XML is parsed
    as before. `build_table()` rebuilds it; a test compares.
    """

    def __init__(self, release: str = "") -> None:
        self.release = release
        self.formats: list[_Format] = []
        self.by_puid: dict[str, _Format] = {}
        self.priority: dict[str, frozenset[str]] = {}
        self.prefixes: dict[bytes, bytes] = {}  # read ahead from the table; else computed on the way
        self.hints: dict[tuple[int, bytes], Hint | None] = {}

    @classmethod
    def load(cls) -> _Signatures:
        conf, pronom, extensions = _fido_conf()
        try:
            table = json.loads(TABLE.read_text(encoding="utf-8"))
            current = table["sources"] == _sources(conf, (pronom, extensions))
        except (OSError, ValueError, KeyError):
            current = False
        sigs = cls.from_table(table) if current else cls.parsed(conf, pronom, extensions)
        sigs._compile()
        return sigs

    @classmethod
    def parsed(cls, conf: Path, pronom: str, extensions: str) -> _Signatures:
        sigs = cls(pronom)
        for name in (pronom, extensions):
            sigs._load(conf / name)
        return sigs

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> _Signatures:
        sigs = cls(table["release"])
        for puid, name, version, mime, exts, signatures, priority in table["formats"]:
            fmt = _Format(
                puid, name, version, mime, tuple(exts),
                tuple(tuple((pos, rx.encode("utf-8")) for pos, rx in sig) for sig in signatures),
            )  # fmt: skip
            sigs.formats.append(fmt)
            sigs.by_puid[puid] = fmt
            sigs.priority[puid] = frozenset(priority)
        sigs.prefixes = {
            rx.encode("utf-8"): bytes.fromhex(pre) for rx, pre in table.get("prefixes", {}).items()
        }
        for kind, rx, *hint in table.get("hints", []):
            literal = hint[-1]
            sigs.hints[(kind, rx.encode("utf-8"))] = (
                None if literal is None else (*hint[:2], bytes.fromhex(literal))
            )
        return sigs

    def _load(self, path: Path) -> None:
        for el in ET.parse(path).getroot().findall("format"):
            puid = el.findtext("puid") or ""
            sigs = []
            for sig in el.findall("signature"):
                pats = []
                for pat in sig.findall("pattern"):
                    regex = (pat.findtext("regex") or "").encode("utf-8")
                    pats.append((pat.findtext("position") or "BOF", regex))
                sigs.append(tuple(pats))
            fmt = _Format(
                puid,
                el.findtext("name") or puid,
                el.findtext("version"),
                el.findtext("mime"),
                tuple((e.text or "").lower() for e in el.findall("extension")),
                tuple(sigs),
            )
            if puid in self.by_puid:  # a later file overrides, as in fido
                self.formats[self.formats.index(self.by_puid[puid])] = fmt
            else:
                self.formats.append(fmt)
            self.by_puid[puid] = fmt
            self.priority[puid] = frozenset(e.text or "" for e in el.findall("has_priority_over"))

    def _inferior(self, puid: str, others: list[str]) -> bool:
        return any(puid in self.priority.get(o, frozenset()) for o in others if o != puid)

    def _compile(self) -> None:
        """Flatten to (puid, [(prefix, [(kind, regex)])]): kind 0 anchored at BOF, 1 EOF, 2 anywhere."""
        self.compiled: dict[bytes, re.Pattern[bytes]] = {}

        def prefix(rx: bytes) -> bytes:
            return self.prefixes[rx] if rx in self.prefixes else literal_prefix(rx)

        self.flat = [
            (
                fmt.puid,
                [
                    (prefix(sig[0][1]) if sig[0][0] == "BOF" else b"",
                     [(_KINDS.get(pos, 2), rx) for pos, rx in sig])
                    for sig in fmt.signatures
                ],
            )
            for fmt in self.formats
            if fmt.signatures
        ]  # fmt: skip
        # Per first byte of a file, only the formats that could match it, still in fido's order (the
        # order decides which of two equal matches is reported first).
        self.by_first_byte: list[list[tuple[str, list[tuple[bytes, list[_Pattern]]]]]] = [
            [] for _ in range(256)
        ]
        for puid, sigs in self.flat:
            general: list[tuple[bytes, list[_Pattern]]] = [(pre, pats) for pre, pats in sigs if not pre]
            specific: dict[int, list[tuple[bytes, list[_Pattern]]]] = {}
            for pre, pats in sigs:
                if pre:
                    specific.setdefault(pre[0], []).append((pre, pats))
            shared: tuple[str, list[tuple[bytes, list[_Pattern]]]] = (puid, general)
            for byte in range(256) if general else specific:
                extra = specific.get(byte)
                self.by_first_byte[byte].append((puid, general + extra) if extra else shared)
        self.empty = [(puid, [(pre, pats) for pre, pats in sigs if not pre]) for puid, sigs in self.flat]
        # Without the table, each pattern's hint is read the first time a big enough buffer reaches it:
        # parsing all 2,300 up front cost every import worker ~0.2 s, and small files never use them.

    def match(self, bof: bytes, eof: bytes) -> list[_Format]:
        found: list[str] = []
        beaten: set[str] = set()  # puids some found format has priority over
        # Many signatures share a pattern (every PDF version starts `\A.{0,144}%PDF-1\.[0-7]`) or a
        # pre-test literal: each is tried once per file (on a 33 KB PDF, half the finds were repeats).
        tried: dict[tuple[int, bytes], bool] = {}
        present: dict[tuple[bool, int, int, bytes], bool] = {}
        for puid, sigs in self.by_first_byte[bof[0]] if bof else self.empty:
            if puid in beaten:
                continue
            for prefix, patterns in sigs:
                if prefix and not bof.startswith(prefix):
                    continue
                for kind, source in patterns:
                    hit = tried.get((kind, source))
                    if hit is None:
                        hit = tried[(kind, source)] = self._try(
                            kind, source, eof if kind == 1 else bof, present
                        )
                    if not hit:
                        break
                else:
                    found.append(puid)
                    beaten |= self.priority.get(puid, frozenset())
                    break
        return [self.by_puid[p] for p in found if not self._inferior(p, found)]

    def _try(
        self, kind: int, source: bytes, buf: bytes, present: dict[tuple[bool, int, int, bytes], bool]
    ) -> bool:
        if len(buf) >= HINT_MIN_BYTES:
            hint = self.hints.get((kind, source), _UNREAD)
            if hint is _UNREAD:
                hint = self.hints[(kind, source)] = pattern_hint(kind, source, BUFSIZE)
            if hint is not None:
                key = (kind == 1, *hint)
                there = present.get(key)
                if there is None:
                    there = present[key] = buf.find(hint[2], hint[0], hint[1]) >= 0
                if not there:
                    return False  # a literal every match needs is not where it would have to be
        rx = self.compiled.get(source)
        if rx is None:  # compiled on first use: most never are (prefix and first byte differ)
            rx = self.compiled[source] = re.compile(source)
        return (rx.match(buf) if kind == 0 else rx.search(buf)) is not None

    def by_extension(self, suffix: str) -> list[_Format]:
        found = [f.puid for f in self.formats if suffix and suffix in f.extensions]
        return [self.by_puid[p] for p in found if not self._inferior(p, found)]


_Pattern = tuple[int, bytes]  # (0 BOF-anchored / 1 EOF / 2 anywhere, regex source)
_UNREAD: Hint = (-1, -1, b"")


@lru_cache(maxsize=1)
def _signatures() -> _Signatures:
    return _Signatures.load()


def signature_release() -> str:
    """Which PRONOM signature file identified the formats (recorded in the evidence)."""
    return _signatures().release


def identify(path: Path) -> FormatId:
    """The PRONOM format of a file: by signature, else by extension (as fido does), else none."""
    sigs = _signatures()
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        bof = f.read(BUFSIZE)
        if size > BUFSIZE:
            f.seek(max(size - BUFSIZE, 0))
            eof = f.read()
        else:
            eof = bof
    method = "signature"
    matches = sigs.match(bof, eof) if size else []
    if not matches:
        method = "extension"
        matches = sigs.by_extension(path.suffix.lower().lstrip("."))
    if not matches:
        return FormatId(None, None, None, None, "none")
    best = matches[0]
    return FormatId(best.puid, best.name, best.version, best.mime, method)
