"""`dangan ocr FILE` and `dangan qc FILE`: read a scan, or check it against DA/T 31, without importing it.

The OCR engine and OpenCV are imported inside the commands: `dangan --help` must not pay for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .._common import JsonOpt, err, finish

FileArg = Annotated[Path, typer.Argument(help="扫描件：图像（含多页 TIFF）或页面为图像的 PDF")]
_VERDICTS = {"pass": "[green]通过[/green]", "warn": "[yellow]警告[/yellow]", "fail": "[red]不通过[/red]"}


def _readable(path: Path) -> None:
    """A usage error (exit 2) for what is not a file at all; a broken file is reported per page."""
    if not path.exists():
        err.print(f"[red]错误：[/red]文件不存在：{path}")
        raise typer.Exit(2)
    if not path.is_file():
        err.print(f"[red]错误：[/red]不是文件：{path}")
        raise typer.Exit(2)


def _run(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    from dangan.core import DanganError

    try:
        result: dict[str, Any] = fn(*args, **kwargs)
    except DanganError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(2) from None
    except OSError as exc:
        err.print(f"[red]错误：[/red]无法读取文件：{exc.strerror or exc}")
        raise typer.Exit(2) from None
    return result


def ocr(
    path: FileArg,
    no_enhance: Annotated[
        bool, typer.Option("--no-enhance", help="不做纠偏、去噪等图像增强，按原样识别")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """识别扫描件中的文字、印章和表格（离线 OCR）；某页失败时注明原因，其余页照常识别。"""
    _readable(path)
    from dangan.services.digitization import ocr_file

    result = _run(ocr_file, path, enhance=not no_enhance)
    pages = result["pages"]

    def human() -> None:
        for page in pages:
            if page.get("error"):
                typer.echo(f"第 {page['page']} 页：识别失败：{page['error']}")
                continue
            seals = "、".join(f"{s['text'] or '（未识别）'}" for s in page["seals"])
            typer.echo(
                f"第 {page['page']} 页：{len(page['lines'])} 行文字，{len(page['seals'])} 枚印章"
                + (f"（{seals}）" if seals else "")
                + f"，{len(page['tables'])} 个表格，{len(page['figures'])} 个图形"
            )
            for fix in page.get("corrections", []):
                typer.echo(f"  已校正：{fix['before']} → {fix['after']}")
            typer.echo(page["text"])

    finish(result, json_out, human)
    if not pages or any(page.get("error") for page in pages):
        raise typer.Exit(1)


def qc(
    path: FileArg,
    access_copy: Annotated[
        bool, typer.Option("--access-copy", help="按利用副本检查（分辨率低于 150 dpi 时只警告不判不通过）")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """按 DA/T 31-2017 逐页检查扫描质量：分辨率、色彩模式与位深、空白页、倾斜、黑边、幅面、格式。"""
    _readable(path)
    from dangan.services.digitization import qc_file

    result = _run(qc_file, path, archival=not access_copy)
    pages = result["pages"]

    def human() -> None:
        for page in pages:
            err.print(f"第 {page['page']} 页：{_VERDICTS.get(page['verdict'], page['verdict'])}")
            for item in page["items"]:
                if item["verdict"] != "pass":
                    err.print(f"    {_VERDICTS.get(item['verdict'], item['verdict'])} {item['message']}")
        failed = sum(page["verdict"] == "fail" for page in pages)
        err.print(f"共 {len(pages)} 页，{failed} 页不通过" if failed else f"共 {len(pages)} 页，检查通过")

    finish(result, json_out, human)
    if not pages or any(page["verdict"] == "fail" for page in pages):
        raise typer.Exit(1)
