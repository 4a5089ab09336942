"""Commands that set up and run the system: demo data and the web server."""

from __future__ import annotations

import os
import signal
import sys
from typing import Annotated, Any

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish, progress_bar


def demo(
    count: Annotated[int, typer.Option("--count", min=1, help="生成的案卷数量")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子生成相同数据）")] = 2024,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """生成并导入演示数据（一个城市的审批案卷），并创建各角色的演示账户。"""
    from dangan.services.intake import DEMO_PASSWORD, load_demo

    with archive_from(data) as archive, progress_bar("演示数据") as bar:
        gen = bar.add_task("生成案卷包", total=count, note="")
        imp = bar.add_task("导入案卷包", total=count, note="")
        report = load_demo(
            archive, count, seed,
            on_generated=lambda n: bar.update(gen, completed=n),
            on_start=lambda n: bar.update(imp, total=n),
            on_done=lambda _o: bar.advance(imp),
        )  # fmt: skip
    doc = {"generated": count, **{k: len(v) for k, v in report.as_json().items()}}

    def human() -> None:
        err.print(
            f"演示数据：新增 {doc['accepted']} 件，已存在 {doc['duplicates']} 件，拒收 {doc['rejected']} 件。"
            f"演示账户密码均为 {DEMO_PASSWORD}（如 archivist、clerk1、auditor）。"
        )

    finish(doc, json_out, human)
    if report.rejected:
        raise typer.Exit(1)


def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Web 进程数（规模化部署时可大于 1）")] = 1,
    log_json: Annotated[
        bool,
        typer.Option(
            "--log-json", help="日志每行一个 JSON 对象（含 request_id）；也可设 DANGAN_LOG_FORMAT=json"
        ),
    ] = False,
    data: DataOpt = None,
) -> None:
    """启动 Web 服务（界面与 /api/v1）。收到 SIGTERM 时不再接受新连接，处理完进行中的请求与后台任务后退出。"""
    from dangan.core import configure_logging, limit_malloc_arenas

    limit_malloc_arenas()  # before the thread pool exists: see dangan.core.runtime
    import uvicorn

    import dangan.services.lifecycle  # noqa: F401 - its worker task finishes interrupted disposals
    from dangan.services.intake import ingest_workers, sweep_stale_uploads, watching
    from dangan.services.oversight import monitoring
    from dangan.services.preservation import serve_jobs
    from dangan.web import NoDelayH11Protocol, create_app

    pool = workers if workers > 1 else None  # several web processes: each ingests in its own process
    if log_json:
        os.environ["DANGAN_LOG_FORMAT"] = "json"  # the web processes of --workers N read it too
    job_child = [sys.executable, "-m", "dangan.cli.ops.job_child"]
    with archive_from(data) as archive, ingest_workers(archive, 0 if pool else None), watching(archive) as watcher, serve_jobs(archive, job_child) as jobs, monitoring(archive):  # fmt: skip
        log_format = archive.settings.log_format
        configure_logging(log_format)
        log_config = None if log_format == "json" else uvicorn.config.LOGGING_CONFIG  # json: to our handler
        sweep_stale_uploads(archive.staging)
        err.print(f"Dangan 已启动：http://{host}:{port}/  （数据目录 {archive.settings.home.resolve()}）")
        if watcher is not None:
            err.print(f"正在监视投递目录 {watcher.drop.resolve()}")
        if jobs is not None:
            err.print(
                f"后台任务（扫描件识别、定期完整性检查、检查点签名）在低优先级子进程 {jobs.pid} 中运行；"
                "另行运行 dangan worker 时不再重复"
            )
        # uvicorn re-raises SIGTERM once it has drained the requests in flight; the default action would
        # end the process there, before the blocks above stop the job worker and close the archive.
        signal.signal(signal.SIGTERM, _stopped)
        if pool:
            os.environ["DANGAN_HOME"] = str(archive.settings.home.resolve())  # the web processes' settings
            uvicorn.run("dangan.cli.ops.serve_cmds:web_app", factory=True, workers=pool, host=host, port=port,
                        log_level="warning", log_config=log_config, http=NoDelayH11Protocol)  # fmt: skip
        else:
            uvicorn.run(create_app(archive), host=host, port=port, log_level="warning", log_config=log_config,
                        http=NoDelayH11Protocol)  # fmt: skip


def _stopped(_signum: int, _frame: Any) -> None:
    """SIGTERM after uvicorn stopped: `serve` returns through its cleanup instead of dying."""


def web_app() -> Any:
    """The app of one of several web processes (`dangan serve --workers N`): settings from the environment."""
    from dangan.core import configure_logging, load_settings
    from dangan.services.archive import open_archive
    from dangan.web import create_app

    settings = load_settings()
    configure_logging(settings.log_format)
    return create_app(open_archive(settings, migrate=False))
