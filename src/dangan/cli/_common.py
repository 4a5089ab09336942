"""What every command shares: the data directory and `--as` options, JSON output, errors, progress bars.

Nothing here imports the services, the store or settings at module level: `dangan --help` and every
command's start-up pay for this module, so each helper imports what it needs when it is called.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from rich.progress import Progress

    from dangan.access import Principal
    from dangan.services.archive import Archive

T = TypeVar("T")
err = Console(stderr=True)
DataOpt = Annotated[
    Path | None, typer.Option("--data", help="数据目录（默认取环境变量 DANGAN_HOME，否则 ./dangan-data）")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出结果（标准输出只有一个 JSON 文档）")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="以该用户的身份操作，结果与其在界面中所见一致（检索时可不填，按公众身份）"),
]


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def finish(result: Any, json_out: bool, human: Callable[[], None]) -> None:
    """The one JSON-or-text fork: with --json exactly one document on stdout, else the human form."""
    if json_out:
        as_json = getattr(result, "as_json", None)
        emit_json(as_json() if callable(as_json) else result)
    else:
        human()


def principal_from(archive: Archive, as_user: str | None, *, public: bool = False) -> Principal:
    """The user named by --as; without it the public (only where `public`) or a usage error (exit 2).

    A command that acts for someone must never guess who: the public would see less and be refused
    more, which would read as a wrong answer instead of a forgotten option.
    """
    if public and not as_user:
        from dangan.access import ANONYMOUS

        return ANONYMOUS
    if as_user is None:
        err.print("[red]错误：[/red]请用 --as 用户名 指定以哪个用户的身份操作")
        raise typer.Exit(2)
    from dangan.services.accounts import get_principal

    return get_principal(archive, as_user)


@contextmanager
def archive_from(data: Path | None) -> Iterator[Archive]:
    """Open the archive, turning expected failures into a Chinese message and exit status."""
    from dangan.core import DanganError, ValidationFailed, load_settings
    from dangan.services.archive import open_archive

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


def run_as(
    data: Path | None, as_user: str | None, act: Callable[[Archive, Principal], T], *, public: bool = False
) -> T:
    """Most commands open the archive, act as the --as user and then report: `act` runs inside, so its
    errors become a Chinese message and exit status, and what it returns is used after the archive is
    closed (so it must be read whole: JSON, or rows loaded while open)."""
    with archive_from(data) as archive:
        return act(archive, principal_from(archive, as_user, public=public))


def progress_bar(description: str) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
