"""The one rapidocr engine of the process, built from the models inside its wheel and nothing else.

rapidocr fetches any model it does not find from the network on first use. Naming each model file by
path takes that code path away, so an archive without internet access behaves the same as a laptop with
it, and a missing file is an error here instead of a silent download.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dangan.core import DanganError

_MODEL_FILES = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
# Two cores are the machine this runs on; more threads only fight the other workers for them.
INTRA_OP_THREADS = 2

_lock = threading.Lock()
_engine: Any = None


class OcrUnavailable(DanganError):
    code = "ocr_unavailable"
    status = 503


@dataclass(frozen=True)
class RawLine:
    quad: np.ndarray  # 4×2 float corners in the pixels of the image given
    text: str
    score: float


def model_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).resolve().parent / "models"


def engine() -> Any:
    """The shared engine, built on first use: its sessions are thread-safe and cost ~0.3 s to load."""
    global _engine
    if _engine is None:
        with _lock:
            if _engine is None:
                _engine = _build()
    return _engine


def _build() -> Any:
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:  # pragma: no cover - rapidocr is a declared dependency
        raise OcrUnavailable("文字识别组件 rapidocr 未安装") from exc
    models = model_dir()
    params: dict[str, Any] = {
        "Global.log_level": "error",
        "EngineConfig.onnxruntime.intra_op_num_threads": INTRA_OP_THREADS,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    for key, name in _MODEL_FILES.items():
        path = models / name
        if not path.is_file():
            raise OcrUnavailable(f"文字识别模型文件缺失：{path}（应随 rapidocr 安装包提供，不会联网下载）")
        params[key] = str(path)
    eng = RapidOCR(params=params)
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return eng


def detect_and_read(rgb: np.ndarray) -> list[RawLine]:
    """Lines found on an RGB (or grey) page image, boxes in its pixels."""
    img = _to_bgr(rgb)
    out = engine()(img)
    if out.txts is None or out.boxes is None or len(out.txts) == 0:
        return []
    return [
        RawLine(np.asarray(quad, dtype=np.float32), str(text), float(score))
        for quad, text, score in zip(out.boxes, out.txts, out.scores, strict=True)
    ]


def read_strips(strips: list[np.ndarray]) -> list[tuple[str, float]]:
    """The recogniser alone on images that are each one line of text (seal rings unrolled)."""
    if not strips:
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput

    rec = engine()._load_rec_model()
    out = rec(TextRecInput(img=[_to_bgr(s) for s in strips]))
    if out.txts is None:
        return [("", 0.0) for _ in strips]
    return [(str(t), float(s)) for t, s in zip(out.txts, out.scores, strict=True)]


def _to_bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return np.ascontiguousarray(np.repeat(img[:, :, None], 3, axis=2))
    return np.ascontiguousarray(img[:, :, ::-1])
