"""The parser's vocabulary as this archive has it: its departments, matters, results and places, the
synonyms its staff added, and look-ups of applicants and legal representatives by name.

Built once per change of the catalogue (a cheap signature is compared on every query), so a search
pays for the keys only after new departments, matters, records or synonyms.
"""

from __future__ import annotations

import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.store.catalog import Department, Matter, Record, SearchSynonym

from ._vocab import Key, Vocabulary, build_keys

_lock = threading.Lock()
_KEYS_VERSION = 2  # bump when Key or build_keys change, so old files are not read
_cache: dict[str, tuple[tuple[Any, ...], list[Key]]] = {}


def _signature(s: Session) -> tuple[Any, ...]:
    return (
        s.scalar(select(func.count()).select_from(Department)),
        s.scalar(select(func.count()).select_from(Matter)),
        s.scalar(select(func.max(Record.seq))),
        s.scalar(select(func.count()).select_from(SearchSynonym)),
        s.scalar(select(func.max(SearchSynonym.updated_at))),
    )


def catalogue_vocabulary(s: Session) -> Vocabulary:
    synonyms: dict[str, dict[str, str]] = {}
    for row in s.scalars(select(SearchSynonym)):
        synonyms.setdefault(row.kind, {})[row.alias] = row.target
    return Vocabulary(
        departments=tuple(s.scalars(select(Department.name).order_by(Department.name))),
        matters=tuple(s.scalars(select(Matter.name).order_by(Matter.name))),
        results=tuple(r for r in s.scalars(select(Record.result).distinct()) if r),
        districts=tuple(d for d in s.scalars(select(Record.district).distinct()) if d),
        synonyms=synonyms,
    )


def catalogue_keys(s: Session, cache_dir: Path | None = None) -> list[Key]:
    """The parser's keys for this catalogue, rebuilt when its signature changes. With `cache_dir` they are
    also kept on disk, so a command (a new process each time) reads them instead of building them."""
    url = str(s.get_bind().engine.url)
    signature = _signature(s)
    with _lock:
        cached = _cache.get(url)
        if cached is not None and cached[0] == signature:
            return cached[1]
    keys = _from_disk(cache_dir, signature)
    if keys is None:
        keys = build_keys(catalogue_vocabulary(s))
        _to_disk(cache_dir, signature, keys)
    with _lock:
        _cache[url] = (signature, keys)
    return keys


_DISK_NAME = "parser-keys.pickle"


def _version() -> str:
    """What else the keys are built from: this code and the shipped tables (a new release rebuilds them)."""
    import hashlib
    from importlib.resources import files

    from dangan import __version__

    data = files("dangan.index.data")
    digest = hashlib.sha256()
    for name in ("synonyms.toml", "places.tsv"):
        digest.update(data.joinpath(name).read_bytes())
    return f"{_KEYS_VERSION}:{__version__}:{digest.hexdigest()[:16]}"


def _from_disk(cache_dir: Path | None, signature: tuple[Any, ...]) -> list[Key] | None:
    if cache_dir is None:
        return None
    try:
        with open(cache_dir / _DISK_NAME, "rb") as f:
            stored_signature, version, keys = pickle.load(f)  # our own file in the data directory
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return None
    return keys if stored_signature == repr(signature) and version == _version() else None


def _to_disk(cache_dir: Path | None, signature: tuple[Any, ...], keys: list[Key]) -> None:
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{_DISK_NAME}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump((repr(signature), _version(), keys), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_dir / _DISK_NAME)
    except OSError:
        pass  # a read-only data directory: the keys are built each time instead


def enterprise_lookup(s: Session) -> Callable[[list[str]], str | None]:
    """The longest of the candidate names that is an applicant's stored name (one indexed query)."""

    def find(candidates: list[str]) -> str | None:
        if not candidates:
            return None
        names = set(
            s.scalars(select(Record.applicant_name).where(Record.applicant_name.in_(set(candidates))))
        )
        return max(names, key=len) if names else None

    return find


def person_lookup(s: Session) -> Callable[[str], bool]:
    """Whether `name` is a legal representative (or a person applying) in the catalogue."""

    def known(name: str) -> bool:
        hit = s.scalar(select(Record.seq).where(Record.legal_representative == name).limit(1))
        if hit is None:
            hit = s.scalar(
                select(Record.seq)
                .where(Record.applicant_name == name, Record.applicant_type == "个人")
                .limit(1)
            )
        return hit is not None

    return known
