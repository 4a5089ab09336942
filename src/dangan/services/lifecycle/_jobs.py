"""A disposal a crash interrupted is finished when the next worker starts (`dangan worker`, or the worker
inside `dangan serve`): a record marked 销毁中 must not stay half-destroyed until someone re-runs
`disposal execute`."""

from __future__ import annotations

import logging
from typing import Any

from dangan.services.preservation import Jobs, add_tasks

from ._execute import resume_disposals

RESUME = "disposal_resume"
log = logging.getLogger(__name__)


def install(jobs: Jobs) -> None:
    def resume() -> dict[str, Any]:
        finished = resume_disposals(jobs.archive())
        if finished:
            log.info("finished %d interrupted disposal batch(es)", len(finished))
        return {"batches": len(finished)}

    jobs.tasks[RESUME] = resume_task = jobs.huey.task(name=RESUME)(resume)
    jobs.huey.on_startup(name="disposal_resume_on_start")(lambda: resume_task())


add_tasks(install)
