"""`dangan worker`: runs the background jobs (scheduled fixity audits, ledger checkpoints)."""

from __future__ import annotations

from typing import Annotated

import typer

from .._common import DataOpt, archive_from, err


def worker(
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="同时执行任务的数量（默认 DANGAN_JOB_WORKERS）")
    ] = None,
    processes: Annotated[bool, typer.Option("--processes", help="用进程而不是线程执行任务")] = False,
    periodic: Annotated[
        bool,
        typer.Option("--periodic/--no-periodic", help="是否按计划安排定期任务（完整性检查、检查点签名）"),
    ] = True,
    log_json: Annotated[
        bool,
        typer.Option(
            "--log-json", help="日志每行一个 JSON 对象（含 request_id）；也可设 DANGAN_LOG_FORMAT=json"
        ),
    ] = False,
    data: DataOpt = None,
) -> None:
    """运行后台任务：定期完整性检查（限速、最久未检查的优先、自动修复）与账本检查点签名。

    未设置 DANGAN_REDIS_URL 时任务队列在数据目录中（dangan serve 在没有 worker 运行时自行执行任务）；
    设置后经 Redis 分发，可在多台机器上各运行一个或多个 worker。按 Ctrl+C 停止（等待进行中的任务完成）；
    SIGTERM 立即停止，被中断的任务放回队列，下次启动时继续。
    """
    from dangan.core import configure_logging, limit_malloc_arenas, load_settings

    limit_malloc_arenas()  # before the job threads exist: see dangan.core.runtime
    import dangan.services.digitization
    import dangan.services.lifecycle
    import dangan.services.share  # noqa: F401 - sends webhook deliveries every minute
    from dangan.services.preservation import Jobs, worker_lock

    with archive_from(data):  # migrate and check the configuration once, before any worker starts
        pass
    settings = load_settings(data)
    configure_logging("json" if log_json else settings.log_format)
    jobs = Jobs(settings)
    queue = "Redis" if settings.redis_url else f"{settings.home.resolve()}（SQLite）"
    count = workers or settings.job_workers
    with worker_lock(settings):
        err.print(
            f"Dangan 后台任务已启动：{count} 个{'进程' if processes else '线程'}，队列 {queue}；"
            f"定期任务 {', '.join(jobs.periodic_names()) if periodic else '未启用'}"
        )
        try:
            jobs.consumer(count, processes=processes, periodic=periodic).run()
        finally:
            jobs.close()
