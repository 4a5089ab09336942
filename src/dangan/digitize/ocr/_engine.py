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
        # the line-direction classifier costs ~25 % of a page and only ever flips whole lines: a page read
        # upside down is caught once, by its confidence (`detect_and_read`)
        "Global.use_cls": False,
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


UPRIGHT_CONFIDENCE = 0.8  # below this (per character, over the page) the page may be upside down


def detect_and_read(rgb: np.ndarray) -> list[RawLine]:
    """Lines found on an RGB (or grey) page image, in reading order, boxes in its pixels. A page scanned
    upside down reads
    as low-confidence garbage: then it is read turned round too, and the surer reading kept (its boxes
    turned back)."""
    img = _to_bgr(rgb)
    lines = reading_order(_read(img))
    if not lines or confidence(lines) >= UPRIGHT_CONFIDENCE:
        return lines
    turned = reading_order(_read(np.ascontiguousarray(img[::-1, ::-1])))  # in the upright page's order
    if confidence(turned) <= confidence(lines):
        return lines
    h, w = img.shape[:2]
    size = np.array([w - 1, h - 1], dtype=np.float32)
    return [RawLine(size - line.quad, line.text, line.score) for line in turned]


def reading_order(lines: list[RawLine]) -> list[RawLine]:
    """Top to bottom, and left to right within a row: lines that share most of their height are a row."""
    spans = sorted(
        ((float(r.quad[:, 1].min()), float(r.quad[:, 1].max()), float(r.quad[:, 0].min()), r) for r in lines),
        key=lambda s: (s[0] + s[1]) / 2,
    )
    rows: list[list[tuple[float, float, float, RawLine]]] = []
    for span in spans:
        if rows:
            y0 = min(s[0] for s in rows[-1])
            y1 = max(s[1] for s in rows[-1])
            overlap = min(y1, span[1]) - max(y0, span[0])
            if overlap > 0.5 * min(span[1] - span[0], y1 - y0):
                rows[-1].append(span)
                continue
        rows.append([span])
    return [s[3] for row in rows for s in sorted(row, key=lambda s: s[2])]


def confidence(lines: list[RawLine]) -> float:
    """Mean recognition confidence per character: a long line counts for more than a stray mark."""
    chars = sum(len(line.text) for line in lines)
    return sum(line.score * len(line.text) for line in lines) / chars if chars else 0.0


def _read(img: np.ndarray) -> list[RawLine]:
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
