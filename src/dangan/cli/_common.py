"""What every command shares: the data directory option, JSON output, errors, progress bars."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dangan.core import DanganError, ValidationFailed, load_settings
from dangan.services.archive import Archive, open_archive

err = Console(stderr=True)
DataOpt = Annotated[
    Path | None, typer.Option("--data", help="数据目录（默认取环境变量 DANGAN_HOME，否则 ./dangan-data）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（标准输出只有一个 JSON 文档）")]


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


@contextmanager
def archive_from(data: Path | None) -> Iterator[Archive]:
    """Open the archive, turning expected failures into a Chinese message and exit status."""
    archive: Archive | None = None
    try:
        archive = open_archive(load_settings(data))
        yield archive
    except DanganError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        for p in exc.problems:
            err.print(f"  - {p.message}")
        raise typer.Exit(2 if isinstance(exc, ValidationFailed) else 1) from None
    finally:
        if archive is not None:
            archive.close()


def progress_bar(description: str) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[note]}"),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=not err.is_terminal and not _force_progress(),
    )


def _force_progress() -> bool:
    return os.environ.get("DANGAN_PROGRESS") == "1"


def write_file_atomically(dest: Path, data: bytes) -> None:
    """Write an output file whole or not at all (temp → fsync → rename); a failure is exit status 1."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except OSError as exc:
        err.print(f"[red]错误：[/red]无法写入 {dest}：{exc}")
        raise typer.Exit(1) from None
    finally:
        tmp.unlink(missing_ok=True)
