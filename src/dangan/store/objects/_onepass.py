"""One pass over an object's bytes: both digests and every local copy, big chunks spread over two cores."""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO

from dangan.store.crypto import new_sm3

from ._durability import start_writeback

CHUNK = 1024 * 1024
WRITEBACK_EVERY = 8 * CHUNK


class OnePass:
    """Hash and write in one pass: SHA-256 and every copy in the caller's thread, SM3 beside it in a
    helper thread for big chunks.

    Both hash libraries release the GIL while hashing, so on two cores the slower SM3 (about 0.3-0.36 GB/s
    here with libgcrypt, see `sm3`: the limit for big files) runs beside the SHA-256 and the copies
    instead of after them; measured, moving the replica's copy to the helper too made it slower (the
    helper is the critical path). Small chunks are handled inline (a thread hand-off would cost more).
    """

    def __init__(self, outs: Sequence[IO[bytes]]) -> None:
        self.sha = hashlib.sha256()
        self.sm3 = new_sm3()
        self.size = 0
        self.outs = list(outs)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()
        self._unflushed = 0

    def update(self, plain: bytes, data: bytes | None = None) -> None:
        """`plain` is hashed; `data` (the sealed bytes, or `plain` itself) goes to every copy."""
        data = plain if data is None else data
        self.size += len(plain)
        if len(plain) >= CHUNK:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="sm3")
            # One chunk queued behind the one being hashed: the helper (the critical path) goes on to
            # the next chunk at once instead of waiting for this thread to wake and hand it over (~5 %
            # of a 100 MB ingest). Its single thread takes them in order; at most 3 chunks in memory.
            while len(self._pending) >= 2:
                self._pending.popleft().result()
            self._pending.append(self._pool.submit(self.sm3.update, plain))
        else:
            self._wait()  # keep SM3's input in order
            self.sm3.update(plain)
        self.sha.update(plain)
        for out in self.outs:
            out.write(data)
        self._unflushed += len(data)
        if self._unflushed >= WRITEBACK_EVERY:  # big objects only: small ones never get here
            self._unflushed = 0
            for out in self.outs:
                out.flush()
                start_writeback(out.fileno())

    def _wait(self) -> None:
        while self._pending:
            self._pending.popleft().result()

    def close(self) -> None:
        """Wait for the helper (every copy complete, or its error raised) and stop it."""
        try:
            self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown()
                self._pool = None

    def digests(self) -> tuple[str, str]:
        return self.sha.hexdigest(), self.sm3.hexdigest()


def fsync_all(outs: Sequence[IO[bytes]], size: int) -> None:
    """Flush and fsync every copy; big copies are synced in parallel (fsync releases the GIL), small ones
    one after the other (starting threads would cost more than the fsyncs)."""
    for out in outs:
        out.flush()
    if len(outs) == 1 or size < 4 * CHUNK:
        for out in outs:
            os.fsync(out.fileno())
        return
    with ThreadPoolExecutor(len(outs)) as pool:
        list(pool.map(lambda o: os.fsync(o.fileno()), outs))
