"""Build BagIt bags for tests, byte by byte, so each test can break exactly one thing."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path
from typing import Any


def encode_path(path: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % are percent-encoded in manifest paths."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def make_bag(
    root: Path,
    files: dict[str, bytes],
    *,
    version: str = "1.0",
    encoding: str = "UTF-8",
    algorithms: tuple[str, ...] = ("sha256",),
    tag_algorithms: tuple[str, ...] = ("sha256",),
    info: list[tuple[str, str]] | None = None,
    oxum: bool = True,
    fetch: list[str] | None = None,
) -> Path:
    """A valid bag at `root` with `files` (paths relative to data/) as payload."""
    codec = "utf-16" if encoding.upper() == "UTF-16" else encoding
    data = root / "data"
    data.mkdir(parents=True)
    for rel, content in files.items():
        target = data / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    (root / "bagit.txt").write_bytes(
        f"BagIt-Version: {version}\nTag-File-Character-Encoding: {encoding}\n".encode()
    )
    for alg in algorithms:
        lines = [
            f"{hashlib.new(alg, content).hexdigest()}  {encode_path('data/' + rel) if version >= '1.0' else 'data/' + rel}\n"
            for rel, content in sorted(files.items())
        ]
        (root / f"manifest-{alg}.txt").write_bytes("".join(lines).encode(codec))
    tags = list(info or [("Source-Organization", "秦皇岛市市场监督管理局")])
    if oxum:
        tags.append(("Payload-Oxum", f"{sum(len(c) for c in files.values())}.{len(files)}"))
    (root / "bag-info.txt").write_bytes("".join(f"{k}: {v}\n" for k, v in tags).encode(codec))
    if fetch:
        (root / "fetch.txt").write_bytes("".join(line + "\n" for line in fetch).encode(codec))
    write_tag_manifests(root, tag_algorithms, codec)
    return root


def write_tag_manifests(root: Path, algorithms: tuple[str, ...] = ("sha256",), codec: str = "utf-8") -> None:
    """(Re)write tagmanifest-<alg>.txt over every tag file at the bag's top level."""
    for old in root.glob("tagmanifest-*.txt"):
        old.unlink()
    tag_files = sorted(p for p in root.iterdir() if p.is_file())
    for alg in algorithms:
        lines = [f"{hashlib.new(alg, p.read_bytes()).hexdigest()}  {p.name}\n" for p in tag_files]
        (root / f"tagmanifest-{alg}.txt").write_bytes("".join(lines).encode(codec))


def bag_of_package(package: Path, dest: Path, **kwargs: Any) -> Path:
    """A bag whose data/ is the given case package folder."""
    files = {
        p.relative_to(package).as_posix(): p.read_bytes() for p in sorted(package.rglob("*")) if p.is_file()
    }
    return make_bag(dest, files, **kwargs)


def zip_folder(folder: Path, dest: Path, *, top_folder: bool = True) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(folder.parent if top_folder else folder).as_posix())
    return dest


def copy_bag(bag: Path, dest: Path) -> Path:
    shutil.copytree(bag, dest)
    return dest
