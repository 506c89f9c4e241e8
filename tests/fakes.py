"""Stand-ins for external dependencies in workflow tests (the real model has its own tests)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SIGNALS = re.compile(r"\d|claim|alleg|accus|said|percent|million|billion|rose|fell", re.I)


class KeywordClassifier:
    """Scores sentences with numbers or reporting verbs high, others low. Deterministic."""

    name = "keyword-fake"
    version = "test-1"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold
        self.calls: list[list[str]] = []

    def score(self, texts: Sequence[str]) -> list[float]:
        self.calls.append(list(texts))
        return [min(0.95, 0.3 + 0.25 * len(_SIGNALS.findall(t))) for t in texts]
