"""Bulk import: every package under the given paths, each on its own, with a report per contract."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.collect import CasePackage, PackageRejected, UnpackLimits, discover, open_package
from dangan.core import Problem, Settings, die_with_parent
from dangan.services.archive import Archive, open_archive

from ._ingest import IngestOutcome, ingest_packages

# Below this many packages the start-up of worker processes costs more than it saves.
PARALLEL_THRESHOLD = 40
# Packages per group commit: enough to share the syncs and the commit, few enough that a crash or one
# slow package delays little, and that the progress bar still moves.
GROUP = 8


@dataclass
class ImportReport:
    accepted: list[IngestOutcome] = field(default_factory=list)
    duplicates: list[IngestOutcome] = field(default_factory=list)
    rejected: list[IngestOutcome] = field(default_factory=list)

    def add(self, outcome: IngestOutcome) -> None:
        {"accepted": self.accepted, "duplicate": self.duplicates, "rejected": self.rejected}[
            outcome.status
        ].append(outcome)

    def as_json(self) -> dict[str, Any]:
        return {
            "accepted": [
                {"source_system": o.source_system, "source_id": o.source_id, "record_id": o.record_id,
                 "archival_code": o.archival_code}
                for o in self.accepted
            ],
            "duplicates": [
                {"source_system": o.source_system, "source_id": o.source_id, "record_id": o.record_id}
                for o in self.duplicates
            ],
            "rejected": [
                {"path": o.origin, "source_system": o.source_system, "source_id": o.source_id,
                 "reasons": [p.as_dict() for p in o.problems]}
                for o in self.rejected
            ],
        }  # fmt: skip


def import_one(archive: Archive, source: Path, actor: str = "system") -> IngestOutcome:
    return import_group(archive, [source], actor)[0]


def import_group(
    archive: Archive,
    sources: list[Path],
    actor: str | list[str] = "system",
    *,
    allow: Callable[[CasePackage], list[Problem]] | None = None,
) -> list[IngestOutcome]:
    """Import a few packages together: one object sync and one catalogue commit for the group.

    `actor` is one name for all, or one per source (pushes from different systems share a group).
    `allow` may refuse an opened package for who brings it (a clerk's other department): its problems
    reject the package before anything of it is checked or stored."""
    actors = actor if isinstance(actor, list) else [actor] * len(sources)
    limits = UnpackLimits.from_settings(archive.settings)
    outcomes: list[IngestOutcome | None] = [None] * len(sources)
    with contextlib.ExitStack() as stack:
        opened: list[tuple[int, CasePackage]] = []
        for i, source in enumerate(sources):
            try:
                pkg = stack.enter_context(open_package(source, archive.staging, limits=limits))
            except PackageRejected as exc:
                outcomes[i] = IngestOutcome("rejected", origin=str(source), problems=exc.problems)
                continue
            refused = allow(pkg) if allow is not None else []
            if refused:
                outcomes[i] = IngestOutcome(
                    "rejected", origin=str(source), source_system=pkg.metadata.source_system,
                    source_id=pkg.metadata.source_id, problems=refused,
                )  # fmt: skip
                continue
            opened.append((i, pkg))
        pkgs, who = [p for _, p in opened], [actors[i] for i, _ in opened]
        for (i, _), outcome in zip(opened, ingest_packages(archive, pkgs, who), strict=True):
            outcomes[i] = outcome
    return [o for o in outcomes if o is not None]


_worker_archive: Archive | None = None


def _init_worker(settings: dict[str, Any], parent_pid: int | None) -> None:
    """Each worker opens its own connections and dies with its parent."""
    global _worker_archive
    die_with_parent(parent_pid)
    _worker_archive = open_archive(Settings(**settings), migrate=False)


def _import_in_worker(args: tuple[list[Path], str]) -> list[IngestOutcome]:
    assert _worker_archive is not None
    return import_group_in_worker(_worker_archive, args[0], args[1])


def import_group_in_worker(
    archive: Archive, sources: list[Path], actor: str | list[str]
) -> list[IngestOutcome]:
    """`import_group` in a long-lived worker process (bulk import's, or the server's ingest pool)."""
    try:
        return import_group(archive, sources, actor)
    finally:
        _freeze_warm_heap()


_heap_frozen = False


def _freeze_warm_heap() -> None:
    """After a worker's first group: exclude what warm-up built from the cyclic garbage collector.

    The PRONOM signatures, the district table and SQLAlchemy's caches are ~200,000 objects that live as
    long as the worker; every full collection walked them all (~0.1 s, ~3 % of a package's time).
    `gc.freeze()` moves everything alive now to a generation that is never collected; the first group's
    own cyclic garbage is kept with it once, a bounded cost (a `gc.collect()` first would cost as much
    as the collection it saves).
    """
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: forked when this process has one thread, else from a fork server.

    A spawned worker imports Dangan afresh, about 2 s of CPU each, which a 1,000-case import on two
    cores felt as ~15 % of its time. A fork shares the parent's modules at no cost but is only safe
    while no other thread can hold a lock the child inherits (a progress bar's refresher, a web
    server); then a fork server, started clean with Dangan preloaded, forks the workers instead.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(
            ["dangan.services.intake._importer", "dangan.services.intake._ingest_pool"]
        )
        return ctx
    return multiprocessing.get_context("spawn")


def worker_parent(ctx: multiprocessing.context.BaseContext) -> int | None:
    """The pid a worker started by `ctx` has as its parent: this process, unless a fork server forks it."""
    return None if ctx.get_start_method() == "forkserver" else os.getpid()


def default_workers() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0))))


def _groups(sources: list[Path], size: int) -> list[list[Path]]:
    return [sources[i : i + size] for i in range(0, len(sources), size)]


def _outcomes(archive: Archive, sources: list[Path], actor: str, workers: int) -> Iterator[IngestOutcome]:
    if workers <= 1 or len(sources) < PARALLEL_THRESHOLD:
        for group in _groups(sources, GROUP):
            yield from import_group(archive, group, actor)
        return
    ctx = worker_context()
    settings = archive.settings.model_dump()
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(settings, worker_parent(ctx))
    ) as pool:
        for outcomes in pool.map(_import_in_worker, [(g, actor) for g in _groups(sources, GROUP)]):
            yield from outcomes


def import_paths(
    archive: Archive,
    paths: list[Path],
    *,
    actor: str = "system",
    workers: int | None = None,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[IngestOutcome], None] | None = None,
) -> ImportReport:
    """Import every package found under `paths`; large batches use one process per core.

    Each package is its own unit of work, so parallel workers (and other importers) are safe: the
    catalogue serialises the numbering, and the idempotency key stores each case once.
    """
    sources = list(discover(paths))
    if on_start:
        on_start(len(sources))
    report = ImportReport()
    for outcome in _outcomes(archive, sources, actor, default_workers() if workers is None else workers):
        report.add(outcome)
        if on_done:
            on_done(outcome)
    return report
