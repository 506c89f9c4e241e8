"""Stand-ins for external dependencies in workflow tests (the real model has its own tests)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from factcheck.classifier.features import SentenceInput

_SIGNALS = re.compile(r"\d|claim|alleg|accus|said|percent|million|billion|rose|fell", re.I)


class KeywordClassifier:
    """Scores sentences with numbers or reporting verbs high, others low. Deterministic.

    Its embeddings are hashed bags of words, so sentences with the same words embed alike.
    """

    name = "keyword-fake"
    version = "test-1"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.calls: list[list[str]] = []

    def score(self, texts: Sequence[str]) -> list[float]:
        self.calls.append(list(texts))
        return [min(0.95, 0.3 + 0.25 * len(_SIGNALS.findall(t))) for t in texts]

    def threshold_for(self, items: Sequence[SentenceInput]) -> float:
        return self.threshold

    def score_document(self, items: Sequence[SentenceInput]) -> list[float]:
        return self.score([item.text for item in items])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, hashlib.md5(word.encode()).digest()[0] % 64] += 1.0  # noqa: S324
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
