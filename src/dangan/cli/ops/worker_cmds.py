"""`dangan worker`: runs the background jobs (scheduled fixity audits, ledger checkpoints); and the job
process `dangan serve` starts for itself (`job_child`, run by `python -m dangan.cli.ops.job_child`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .._common import DataOpt, archive_from, err

if TYPE_CHECKING:
    from dangan.core import Settings
    from dangan.services.preservation import Jobs


def _jobs_for(settings: Settings) -> Jobs:
    """The queue with every capability's tasks on it (each registers its own on import)."""
    import dangan.services.digitization
    import dangan.services.lifecycle
    import dangan.services.share  # noqa: F401 - sends webhook deliveries every minute
    from dangan.services.preservation import Jobs

    return Jobs(settings)


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
    nice: Annotated[
        int,
        typer.Option(
            "--nice",
            min=0,
            max=19,
            help="CPU 优先级降低多少（0–19，默认 10）：与 Web 进程同机时让页面请求优先；独占机器时不影响速度",
        ),
    ] = 10,
    data: DataOpt = None,
) -> None:
    """运行后台任务：定期完整性检查（限速、最久未检查的优先、自动修复）与账本检查点签名。

    未设置 DANGAN_REDIS_URL 时任务队列在数据目录中（dangan serve 在没有 worker 运行时自行启动一个低优先级的
    后台任务进程）；设置后经 Redis 分发，可在多台机器上各运行一个或多个 worker。按 Ctrl+C 停止（等待进行中的任务完成）；
    SIGTERM 立即停止，被中断的任务放回队列，下次启动时继续。
    """
    from dangan.core import configure_logging, limit_malloc_arenas, load_settings

    limit_malloc_arenas()  # before the job threads exist: see dangan.core.runtime
    from dangan.services.preservation import lower_priority, worker_lock

    lower_priority(nice)  # before the job threads exist: they inherit it

    with archive_from(data):  # migrate and check the configuration once, before any worker starts
        pass
    settings = load_settings(data)
    configure_logging("json" if log_json else settings.log_format)
    jobs = _jobs_for(settings)
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


def job_child() -> None:
    """The job process of `dangan serve` (services.preservation.JobProcess): its settings, its nice and
    its parent come from the server; the server holds the queue's lock for it."""
    from dangan.core import configure_logging
    from dangan.services.preservation import GRACE_S, child_settings

    settings = child_settings()
    if settings is None:
        raise SystemExit("此入口只由 dangan serve 启动；单独运行后台任务请用 dangan worker")
    configure_logging(settings.log_format)
    jobs = _jobs_for(settings)
    try:
        jobs.consumer(settings.job_workers, shutdown_timeout=GRACE_S).run()
    finally:
        jobs.close()
