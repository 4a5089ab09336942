"""Where object bytes live: a local directory or an S3-compatible bucket, behind one small interface.

Keys are relative names such as `ab/cd/<sha256>` or `ab/cd/<sha256>.enc`. A location's `put` returns
only when the bytes are durable there (local: temp → fsync → rename → fsync dir; S3: the PUT succeeded).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol


class Location(Protocol):
    name: str

    def put_file(self, key: str, source: Path, *, move: bool = False) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def size(self, key: str) -> int | None: ...
    def delete(self, key: str) -> None: ...
    def list_keys(self) -> Iterator[str]: ...


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalLocation:
    def __init__(self, root: Path, name: str = "local"):
        self.root = Path(root)
        self.name = name
        self.tmp = self.root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._deferred: set[Path] | None = None

    def defer_dir_syncs(self) -> None:
        """Collect directory fsyncs instead of doing each at once; `sync_dirs` does them, once each."""
        if self._deferred is None:
            self._deferred = set()

    def sync_dirs(self) -> None:
        pending, self._deferred = self._deferred, None
        for directory in sorted(pending or (), key=lambda p: len(p.parts), reverse=True):
            fsync_dir(directory)

    def forget_dir_syncs(self) -> None:
        """Drop the collected directory fsyncs: a filesystem-wide sync made those entries durable."""
        self._deferred = None

    def _sync_dir(self, directory: Path) -> None:
        if self._deferred is not None:
            self._deferred.add(directory)
        else:
            fsync_dir(directory)

    def path(self, key: str) -> Path:
        return self.root / key

    def _ensure_dir(self, directory: Path) -> None:
        if directory.is_dir():  # a stat is much cheaper than a failing mkdir
            return
        directory.mkdir(parents=True, exist_ok=True)
        for parent in (directory.parent, directory.parent.parent):  # make the new entries durable too
            if parent.is_relative_to(self.root):
                self._sync_dir(parent)

    def put_file(self, key: str, source: Path, *, move: bool = False) -> None:
        """Make `source`'s bytes durable under `key`; `move` renames a temp file that is already fsynced."""
        final = self.path(key)
        self._ensure_dir(final.parent)
        if move and source.stat().st_dev == self.root.stat().st_dev:
            os.replace(source, final)
        else:
            fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="copy-")
            try:
                with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
                    shutil.copyfileobj(src, out, 1024 * 1024)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp_name, final)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            if move:  # asked to move across filesystems: the copy is durable, the source can go
                source.unlink(missing_ok=True)
        self._sync_dir(final.parent)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def list_keys(self) -> Iterator[str]:
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.is_relative_to(self.tmp):
                yield path.relative_to(self.root).as_posix()


class _Body:
    """A streaming S3 object body usable as `with loc.open(key) as f: f.read(n)`."""

    def __init__(self, body: Any):
        self._body = body

    def read(self, n: int = -1) -> bytes:
        data: bytes = self._body.read(None if n < 0 else n)
        return data

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# A location that is down must fail a request within bounds (the web answers 503, see web/outage.py), not
# hang it: botocore's defaults wait 60 s to connect and 60 s per read. "standard" retries back off with
# jitter on connection errors, throttling and 5xx; 5 attempts ride out a restart of a few seconds.
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
RETRIES = {"max_attempts": 5, "mode": "standard"}


class S3Location:
    """An S3-compatible bucket (MinIO, Ceph RGW, SeaweedFS, cloud OSS). A successful PUT is durable."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", name: str = "s3"):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.name = name

    @classmethod
    def connect(cls, endpoint: str, bucket: str, access_key: str, secret_key: str, region: str = "us-east-1",
                prefix: str = "", name: str = "s3") -> S3Location:  # fmt: skip
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
            region_name=region, config=Config(s3={"addressing_style": "path"}, connect_timeout=CONNECT_TIMEOUT_S,
                                              read_timeout=READ_TIMEOUT_S, retries=RETRIES),
        )  # fmt: skip
        return cls(client, bucket, prefix, name)

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError:
            self.client.create_bucket(Bucket=self.bucket)

    def put_file(self, key: str, source: Path, *, move: bool = False) -> None:
        self.client.upload_file(str(source), self.bucket, self.prefix + key)

    def open(self, key: str) -> BinaryIO:
        body = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"]
        return _Body(body)  # type: ignore[return-value]

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key)

    def list_keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]
