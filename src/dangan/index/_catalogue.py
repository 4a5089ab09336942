"""The parser's vocabulary as this archive has it: its departments, matters, results and places, the
synonyms its staff added, and look-ups of applicants and legal representatives by name.

Built once per change of the vocabulary: a cheap signature of the catalogue is compared on every query;
when it moved (every new record moves it), the vocabulary is read again (a few indexed queries) and the
keys are rebuilt only if it differs. Under a steady stream of pushes that is most searches, and
rebuilding (plus the disk file's read and write) cost ~35 ms of CPU each; the same words are the
usual case, so they now cost ~1 ms.
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
_KEYS_VERSION = 3  # bump when Key or build_keys change, so old files are not read
_cache: dict[str, tuple[tuple[Any, ...], str, list[Key]]] = {}  # url -> (signature, vocabulary's, keys)


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
            return cached[2]
    vocabulary = catalogue_vocabulary(s)
    words = _fingerprint(vocabulary)
    if cached is not None and cached[1] == words:  # new records, the same words: the keys stand
        keys = cached[2]
    else:
        found = _from_disk(cache_dir, words)
        if found is None:
            found = build_keys(vocabulary)
            _to_disk(cache_dir, words, found)
        keys = found
    with _lock:
        _cache[url] = (signature, words, keys)
    return keys


def _fingerprint(vocabulary: Vocabulary) -> str:
    """Everything `build_keys` reads, in a stable order (DISTINCT has none)."""
    synonyms = sorted((kind, sorted(table.items())) for kind, table in vocabulary.synonyms.items())
    return repr((vocabulary.departments, vocabulary.matters, sorted(vocabulary.results),
                 sorted(vocabulary.districts), synonyms))  # fmt: skip


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


def _from_disk(cache_dir: Path | None, words: str) -> list[Key] | None:
    """The keys on disk when they were built from `words` by this version; the small header is read
    first, so a stale file costs no unpickling of its keys."""
    if cache_dir is None:
        return None
    try:
        with open(cache_dir / _DISK_NAME, "rb") as f:  # our own file in the data directory
            header = pickle.load(f)
            if header != (words, _version()):
                return None
            keys: list[Key] = pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return None
    return keys


def _to_disk(cache_dir: Path | None, words: str, keys: list[Key]) -> None:
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{_DISK_NAME}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump((words, _version()), f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(keys, f, protocol=pickle.HIGHEST_PROTOCOL)
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
