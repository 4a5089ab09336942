"""Entry of the job process `dangan serve` starts for itself (`python -m dangan.cli.ops.job_child`);
see services.preservation.JobProcess. Not a command: the server hands it its settings."""

from __future__ import annotations

from .worker_cmds import job_child

if __name__ == "__main__":
    job_child()
