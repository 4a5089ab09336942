"""Witness export: each checkpoint copied to a folder outside the archive (``DANGAN_WITNESS_DIR``).

The folder holds ``checkpoints/<tree size>.json`` (one per exported checkpoint, never rewritten) and
``latest.json`` (the newest, replaced atomically). Each file carries the checkpoint and the consistency
proof from the previously witnessed checkpoint, so whoever keeps the folder — a mounted share, a
removable disk, another agency's server — can check on their own that the log only ever grew.
Once a checkpoint is in the folder, the archive can no longer quietly rewrite the history under it:
verification compares the folder's latest checkpoint with the log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checkpoint import Checkpoint, CheckpointError


@dataclass(frozen=True)
class Witnessed:
    checkpoint: Checkpoint
    previous_size: int | None
    consistency: list[bytes]

    def as_json(self) -> dict[str, Any]:
        return {
            "checkpoint": self.checkpoint.as_json(),
            "consistency": {
                "from_tree_size": self.previous_size,
                "proof": [h.hex() for h in self.consistency],
            },
        }


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class WitnessFolder:
    def __init__(self, path: Path):
        self.path = path

    @property
    def latest_path(self) -> Path:
        return self.path / "latest.json"

    def latest(self) -> Checkpoint | None:
        """The newest checkpoint in the folder, or None when nothing was exported yet."""
        try:
            doc = json.loads(self.latest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"见证目录中的 latest.json 无法读取：{exc}") from None
        return Checkpoint.from_json(doc.get("checkpoint") if isinstance(doc, dict) else None)

    def publish(self, item: Witnessed) -> Path:
        """Write the checkpoint's own file, then point latest.json at it (each write atomic)."""
        folder = self.path / "checkpoints"
        folder.mkdir(parents=True, exist_ok=True)
        data = json.dumps(item.as_json(), ensure_ascii=False, indent=2).encode("utf-8")
        target = folder / f"{item.checkpoint.tree_size:012d}.json"
        _write_atomic(target, data)
        _write_atomic(self.latest_path, data)
        return target
