"""The multipart receiver: files go to a private staging folder chunk by chunk, never whole into memory."""

from __future__ import annotations

import os
import stat
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.core import ValidationFailed
from dangan.services.intake import UploadReceiver, UploadTooLarge, sweep_stale_uploads

BOUNDARY = "----dangan-test-boundary"
CTYPE = f"multipart/form-data; boundary={BOUNDARY}"
CHUNK = 64 * 1024


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n\r\n".encode() + value + b"\r\n"


def body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def feed_all(receiver: UploadReceiver, data: bytes, size: int = 1000) -> None:
    for i in range(0, len(data), size):
        receiver.feed(data[i : i + size])


def test_files_and_text_parts(tmp_path: Path) -> None:
    r = UploadReceiver(tmp_path, CTYPE, max_bytes=10**6)
    feed_all(r, body(part("case", '{"a": "案卷"}'.encode()), part("files", b"%PDF-1", "决定书.pdf"),
                     part("files", b"scan", "卷宗/扫描件.png")), size=7)  # fmt: skip
    up = r.finish()
    assert up.field("case") == '{"a": "案卷"}'
    assert up.files == ["决定书.pdf", "卷宗/扫描件.png"]
    assert (up.package / "决定书.pdf").read_bytes() == b"%PDF-1"
    assert (up.package / "卷宗" / "扫描件.png").read_bytes() == b"scan"
    assert up.root.parent == tmp_path and stat.S_IMODE(up.root.stat().st_mode) == 0o700
    r.discard()
    assert list(tmp_path.iterdir()) == []


def _stream(total: int) -> Iterator[bytes]:
    head = (
        part("case", b"{}")
        + f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n'.encode()
    )
    yield head
    block = os.urandom(CHUNK)
    sent = 0
    while sent < total:
        n = min(CHUNK, total - sent)
        yield block[:n]
        sent += n
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_50_mb_file_streams_to_disk_with_bounded_memory(tmp_path: Path) -> None:
    total = 50 * 1024 * 1024
    r = UploadReceiver(tmp_path, CTYPE, max_bytes=total + 10**6)
    chunks = _stream(total)
    tracemalloc.start()
    try:
        for i, chunk in enumerate(chunks):
            r.feed(chunk)
            if i == 400:  # about half way: the bytes so far are already on disk, not held back
                on_disk = (r.upload.package / "big.bin").stat().st_size
                assert on_disk >= 390 * CHUNK
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    up = r.finish()
    assert (up.package / "big.bin").stat().st_size == total
    assert peak < 2 * 1024 * 1024, f"peak Python allocation {peak} bytes while receiving 50 MB"
    r.discard()


def test_over_the_limit_stops_at_once(tmp_path: Path) -> None:
    r = UploadReceiver(tmp_path, CTYPE, max_bytes=100_000)
    with pytest.raises(UploadTooLarge) as info:
        for chunk in _stream(1_000_000):
            r.feed(chunk)
    assert info.value.status == 413 and r.upload.bytes_received <= 100_000 + CHUNK
    r.discard()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (body(part("files", b"x", "../escape.pdf")), "unsafe_path"),
        (body(part("files", b"x", "/etc/passwd")), "unsafe_path"),
        (body(part("files", b"x", "a\\b.pdf")), "unsafe_path"),
        (body(part("files", b"x", "case.json")), "reserved_path"),
        (body(part("files", b"x", "a.pdf"), part("files", b"y", "A.PDF")), "duplicate_path"),
        (body(part("files", b"x", "a"), part("files", b"y", "a/b.pdf")), "path_conflict"),
        (body(part("files", b"x", "")), "invalid_filename"),
        (body(part("files", b"x")), "invalid_filename"),
        (body(part("case", b"\xff\xfe bad")), "invalid_encoding"),
        (part("case", b"{}"), "incomplete_body"),
        (b"this is not multipart at all", "invalid_multipart"),
    ],
)
def test_bad_parts_are_refused_and_leave_nothing(tmp_path: Path, data: bytes, code: str) -> None:
    r = UploadReceiver(tmp_path, CTYPE, max_bytes=10**6)
    with pytest.raises(ValidationFailed) as info:
        feed_all(r, data)
        r.finish()
    assert info.value.code == code
    assert not (tmp_path.parent / "escape.pdf").exists()
    r.discard()
    assert list(tmp_path.iterdir()) == []


def test_the_field_hook_can_refuse_before_the_files(tmp_path: Path) -> None:
    seen: list[str] = []

    def hook(name: str, value: str) -> None:
        seen.append(name)
        if name == "case":
            raise ValidationFailed("拒绝", code="refused")

    r = UploadReceiver(tmp_path, CTYPE, max_bytes=10**6, on_field=hook)
    with pytest.raises(ValidationFailed):
        feed_all(r, body(part("case", b"{}"), part("files", b"x" * 5000, "a.pdf")))
    assert seen == ["case"] and r.upload.files == []
    r.discard()


@pytest.mark.parametrize("ctype", ["application/json", "multipart/form-data", ""])
def test_not_multipart_is_refused_without_a_folder(tmp_path: Path, ctype: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        UploadReceiver(tmp_path, ctype, max_bytes=10)
    assert info.value.code == "unsupported_media_type"
    assert list(tmp_path.iterdir()) == []


def test_text_parts_are_limited(tmp_path: Path) -> None:
    r = UploadReceiver(tmp_path, CTYPE, max_bytes=10**8)
    with pytest.raises(ValidationFailed) as info:
        feed_all(r, body(part("case", b"x" * (5 * 1024 * 1024))), size=CHUNK)
    assert info.value.code == "text_too_large"
    r.discard()


def test_stale_upload_folders_are_swept(tmp_path: Path) -> None:
    old, fresh, other = tmp_path / "upload-old", tmp_path / "upload-new", tmp_path / "unzip-x"
    for d in (old, fresh, other):
        d.mkdir()
        (d / "f").write_bytes(b"x")
    day_ago = time.time() - 2 * 86400
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert sweep_stale_uploads(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unzip-x", "upload-new"]
