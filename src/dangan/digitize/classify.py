"""A small classifier of matter and category, trained on the archive's own confirmed records.

Every archive files different matters under different names, so a shipped model would be wrong in each;
what an archive does have is the records its archivists confirmed. Complement naive Bayes (Rennie et al.
2003, weight-normalised) over binary features (rjieba words and character bigrams) learns from a handful
of examples per label, copes with labels of very different sizes (measured better here than plain
multinomial naive Bayes on categories: bench/extract.py), trains in one pass, needs no download and
stores as plain JSON in the catalogue. Its scores become probabilities through one temperature fitted on
the training examples by cross-fitting (each half scored by a model of the other half), so a shown 0.9
means about nine right in ten, as far as the archive's own records can tell; `evaluate` measures it on
held-back records.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import rjieba

__all__ = ["Classifier", "evaluate", "majority_baseline", "split_held_back", "tokens", "train"]

FORMAT = "dangan-nb/1"
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")
_DIGITS = re.compile(r"\d+")


def tokens(text: str) -> set[str]:
    """The features of a text: its words (rjieba) and its Chinese character bigrams.

    Bigrams carry what segmentation splits badly (names, matter abbreviations); digits are collapsed,
    because a 文号 or a date says nothing about the matter."""
    folded = _DIGITS.sub("0", unicodedata.normalize("NFKC", text))
    words = {"w:" + w for w in rjieba.cut(folded) if len(w) >= 2 and _WORD.search(w)}
    bigrams = {"b:" + run[i : i + 2] for run in _CJK_RUN.findall(folded) for i in range(len(run) - 1)}
    return words | bigrams


@dataclass
class Classifier:
    """Counts per label: how many examples, and in how many of them each feature occurs."""

    labels: list[str]
    examples: list[int]  # per label
    features: dict[str, int]  # feature -> column
    counts: np.ndarray  # labels x features, examples of the label holding the feature
    alpha: float = 0.1
    temperature: float = 1.0  # multiplies the scores before the softmax; fitted by `train`
    _weights: np.ndarray | None = field(default=None, repr=False)

    def scores(self, text: str) -> np.ndarray | None:
        """One score per label, higher is likelier; None when the text has no feature the model knows."""
        columns = [self.features[t] for t in tokens(text) if t in self.features]
        if not columns or not self.labels:
            return None
        if self._weights is None:
            self._weights = _complement_weights(self.counts, self.alpha)
        return -self._weights[:, columns].sum(axis=1)

    def predict(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The `k` likeliest labels with their probability; [] when the text has nothing the model knows.

        An empty or unknown text gets no answer rather than the commonest label: a guess with nothing
        behind it would look like a finding on the confirmation page."""
        scores = self.scores(text)
        if scores is None:
            return []
        probs = _softmax(scores * self.temperature)
        order = np.argsort(-probs, kind="stable")[: max(k, 0)]
        return [(self.labels[i], round(float(probs[i]), 4)) for i in order]

    def to_json(self) -> str:
        """Sparse counts: the catalogue stores this text and `from_json` rebuilds the same model."""
        by_label = [
            {f: int(self.counts[row, col]) for f, col in self.features.items() if self.counts[row, col]}
            for row in range(len(self.labels))
        ]
        doc = {"format": FORMAT, "alpha": self.alpha, "temperature": self.temperature, "labels": self.labels,
               "examples": self.examples, "counts": by_label}  # fmt: skip
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes) -> Classifier:
        try:
            doc = json.loads(data)
            if not isinstance(doc, dict) or doc.get("format") != FORMAT:
                raise ValueError(doc.get("format") if isinstance(doc, dict) else None)
            labels, per_label = [str(label) for label in doc["labels"]], doc["counts"]
            features = {f: i for i, f in enumerate(sorted({f for row in per_label for f in row}))}
            counts = np.zeros((len(labels), len(features)), dtype=np.float32)
            for row, entries in enumerate(per_label):
                for f, n in entries.items():
                    counts[row, features[f]] = n
            examples = [int(n) for n in doc["examples"]]
            return cls(labels, examples, features, counts, float(doc["alpha"]), float(doc["temperature"]))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise ValueError("分类模型数据无法读取或格式不受支持") from exc


def _complement_weights(counts: np.ndarray, alpha: float) -> np.ndarray:
    """log P(feature | not label), each label's row normalised to unit L1 (Rennie et al., §3.2)."""
    complement = counts.sum(axis=0, keepdims=True) - counts
    theta = (complement + alpha) / (complement.sum(axis=1, keepdims=True) + alpha * max(counts.shape[1], 1))
    weights = np.log(theta)
    return weights / np.maximum(np.abs(weights).sum(axis=1, keepdims=True), 1e-12)


def _softmax(values: np.ndarray) -> np.ndarray:
    shifted = np.exp(values - values.max())
    return shifted / shifted.sum()


def train(
    examples: Iterable[tuple[str, str]], *, alpha: float = 0.1, max_features: int = 60_000
) -> Classifier:
    """A classifier of (text, label) pairs. Labels with one example are kept; blank labels are not.

    Features are kept by how many examples hold them, up to `max_features`, which bounds the model's
    size (labels x features) on a large archive."""
    pairs = [(tokens(text or ""), label.strip()) for text, label in examples if isinstance(label, str)]
    pairs = [(feats, label) for feats, label in pairs if label]
    model = _fit(pairs, alpha, max_features)
    model.temperature = _fit_temperature(pairs, alpha, max_features, default=max(len(model.features), 1))
    return model


def _fit(pairs: Sequence[tuple[set[str], str]], alpha: float, max_features: int) -> Classifier:
    per_label: dict[str, Counter[str]] = {}
    seen: Counter[str] = Counter()
    frequency: Counter[str] = Counter()
    for feats, label in pairs:
        per_label.setdefault(label, Counter()).update(feats)
        seen[label] += 1
        frequency.update(feats)
    labels = sorted(per_label)
    kept = sorted(f for f, _ in frequency.most_common(max_features))
    features = {f: i for i, f in enumerate(kept)}
    counts = np.zeros((len(labels), len(features)), dtype=np.float32)
    for row, label in enumerate(labels):
        for f, n in per_label[label].items():
            if f in features:
                counts[row, features[f]] = n
    return Classifier(labels, [seen[label] for label in labels], features, counts, alpha)


def _fit_temperature(
    pairs: Sequence[tuple[set[str], str]], alpha: float, max_features: int, default: float
) -> float:
    """The temperature that makes cross-fitted scores most likely: each half of the examples (by
    position parity) scored by a model of the other half. Too few examples for that keep `default`."""
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for part in (0, 1):
        model = _fit([p for i, p in enumerate(pairs) if i % 2 != part], alpha, max_features)
        if len(model.labels) < 2:
            continue
        index = {label: i for i, label in enumerate(model.labels)}
        weights = _complement_weights(model.counts, alpha)
        rows, truth_idx = [], []
        for feats, label in pairs[part::2]:
            columns = [model.features[t] for t in feats if t in model.features]
            if label in index and columns:
                scores = -weights[:, columns].sum(axis=1)
                rows.append(scores - scores.max())
                truth_idx.append(index[label])
        if rows:
            parts.append((np.stack(rows), np.asarray(truth_idx)))
    if sum(len(truths) for _, truths in parts) < 4:
        return float(default)
    grid = np.geomspace(1.0, 1e6, 121)
    losses = np.zeros(len(grid))
    for scores, truths in parts:
        z = scores[None, :, :] * grid[:, None, None]  # temperatures x examples x labels
        picked = np.take_along_axis(z, truths[None, :, None], axis=2)[:, :, 0]
        losses += (np.log(np.exp(z).sum(axis=2)) - picked).sum(axis=1)
    return float(grid[int(np.argmin(losses))])


def evaluate(classifier: Classifier, held_back: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy on examples the classifier was not trained on, overall and per true label.

    An example the classifier gives no answer for counts as wrong."""
    per_label: dict[str, dict[str, int]] = {}
    right = top3 = n = 0
    confidence = 0.0
    for text, label in held_back:
        ranked = classifier.predict(text, k=3)
        guesses = [g for g, _ in ranked]
        confidence += ranked[0][1] if ranked else 0.0
        hit = bool(guesses) and guesses[0] == label
        entry = per_label.setdefault(label, {"n": 0, "correct": 0})
        entry["n"] += 1
        entry["correct"] += hit
        right += hit
        top3 += label in guesses
        n += 1
    return {
        "accuracy": round(right / n, 4) if n else None,
        "top3_accuracy": round(top3 / n, 4) if n else None,
        "mean_confidence": round(confidence / n, 4) if n else None,  # near accuracy when calibrated
        "n": n,
        "per_label": {
            label: {**e, "accuracy": round(e["correct"] / e["n"], 4)}
            for label, e in sorted(per_label.items())
        },
    }


def majority_baseline(train_labels: Iterable[str], held_back_labels: Sequence[str]) -> float | None:
    """The accuracy of always answering the commonest training label: what a classifier must beat."""
    common = Counter(train_labels).most_common(1)
    if not common or not held_back_labels:
        return None
    return round(sum(label == common[0][0] for label in held_back_labels) / len(held_back_labels), 4)


def split_held_back(
    examples: Iterable[tuple[str, str, str]], fraction: float = 0.2
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(record id, text, label) triples into training and held-back (text, label) pairs.

    By a hash of the record id, so a record stays on its side as the archive grows and retrains, and the
    shown accuracy is never measured on records the model learnt from."""
    cut = math.floor(min(max(fraction, 0.0), 1.0) * 10_000)
    trained: list[tuple[str, str]] = []
    held: list[tuple[str, str]] = []
    for record_id, text, label in examples:
        bucket = int.from_bytes(hashlib.sha256(record_id.encode("utf-8")).digest()[:4], "big") % 10_000
        (held if bucket < cut else trained).append((text, label))
    return trained, held
