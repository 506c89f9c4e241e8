"""Stage two: rank sentences for a desk, over stage one's output and the sentence's context.

Stage one (the fine-tuned encoder in model.py) answers "is this a factual claim?"; trained
on ClaimBuster it flags almost every sentence of a news story. Stage two is a logistic
regression over that logit, the logits of the neighbouring sentences, cue features
(features.py) and the encoder's pooled state, trained on what checkers actually chose (CLEF
debates and tweets) and on the news set. Its output spreads over [0, 1] instead of
saturating, so the order means something all the way down.

Stored as ranker.json beside the adapters: a few kilobytes of numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from factcheck.classifier.features import CUES, FEATURE_NAMES, NUMBER, SentenceInput


@dataclass
class Ranker:
    """Standardised features (and pooled encoder state) → one logit."""

    feature_names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    # Weights over the standardised pooled encoder state (empty when not used).
    embedding_mean: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    embedding_scale: np.ndarray = field(default_factory=lambda: np.ones(0, np.float32))
    embedding_weights: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    info: dict = field(default_factory=dict)
    # The model for transcripts (speaker turns), when there is one; same file.
    transcript: Ranker | None = None

    def _columns(self) -> list[int]:
        unknown = set(self.feature_names) - set(FEATURE_NAMES)
        if unknown:
            raise ValueError(f"ranker features unknown to this version: {sorted(unknown)}")
        return [FEATURE_NAMES.index(name) for name in self.feature_names]

    def logits(self, features: np.ndarray, pooled: np.ndarray | None = None) -> np.ndarray:
        """One logit per row (rows of all FEATURE_NAMES; this ranker uses its own subset)."""
        z = ((features[:, self._columns()] - self.mean) / self.scale) @ self.weights + self.bias
        if self.embedding_weights.size:
            if pooled is None:
                raise ValueError("this ranker needs the encoder's pooled states")
            z = z + ((pooled - self.embedding_mean) / self.embedding_scale) @ self.embedding_weights
        return z.astype(np.float64)

    def scores(self, features: np.ndarray, pooled: np.ndarray | None = None) -> np.ndarray:
        """Probabilities in [0, 1]."""
        return 1.0 / (1.0 + np.exp(-self.logits(features, pooled)))

    def save(self, path: Path) -> None:
        """Write the ranker (and its transcript ranker) as JSON."""
        path.write_text(json.dumps(self.as_dict()) + "\n", encoding="utf-8")

    def as_dict(self) -> dict:
        """The ranker as JSON-ready data (floats rounded to 6 significant digits)."""

        def floats(values: np.ndarray) -> list[float]:
            return [float(f"{v:.6g}") for v in np.asarray(values).ravel()]

        return {
            "feature_names": list(self.feature_names),
            "mean": floats(self.mean),
            "scale": floats(self.scale),
            "weights": floats(self.weights),
            "bias": float(f"{self.bias:.6g}"),
            "embedding_mean": floats(self.embedding_mean),
            "embedding_scale": floats(self.embedding_scale),
            "embedding_weights": floats(self.embedding_weights),
            "info": self.info,
            "transcript": self.transcript.as_dict() if self.transcript else None,
        }

    @classmethod
    def load(cls, path: Path) -> Ranker:
        """Read a ranker written by save()."""
        return cls.from_dict(json.loads(path.read_text("utf-8")))

    @classmethod
    def from_dict(cls, data: dict) -> Ranker:
        """The ranker as_dict() described."""

        def arr(key: str) -> np.ndarray:
            return np.asarray(data.get(key, []), dtype=np.float32)

        return cls(
            tuple(data["feature_names"]),
            arr("mean"),
            arr("scale"),
            arr("weights"),
            float(data["bias"]),
            arr("embedding_mean"),
            arr("embedding_scale"),
            arr("embedding_weights"),
            data.get("info", {}),
            cls.from_dict(data["transcript"]) if data.get("transcript") else None,
        )

    def for_document(self, transcript: bool) -> Ranker:
        """The ranker for a transcript, or for prose."""
        return self.transcript if transcript and self.transcript is not None else self


def fit_ranker(
    features: np.ndarray,
    labels: np.ndarray,
    *,
    pooled: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
    l2: float = 1.0,
    l2_embedding: float = 100.0,
    feature_names: tuple[str, ...] = FEATURE_NAMES,
) -> Ranker:
    """Fit L2-regularised logistic regression (L-BFGS) on standardised inputs: the named
    features (columns of FEATURE_NAMES rows), and the pooled states when given.

    Written with torch rather than scikit-learn on purpose: this fit reproduces the shipped
    ranker.json exactly. scikit-learn's LogisticRegression (pooled columns scaled by
    sqrt(l2 / l2_embedding) for their own penalty) reaches the same minimum and the same
    cross-validated figures, but weights differing in the fourth decimal and 4x slower.
    """
    features = features[:, [FEATURE_NAMES.index(name) for name in feature_names]]
    mean = features.mean(0)
    scale = features.std(0) + 1e-6
    blocks = [(features - mean) / scale]
    penalty = [np.full(features.shape[1], l2)]
    e_mean = e_scale = np.zeros(0, np.float32)
    if pooled is not None:
        e_mean, e_scale = pooled.mean(0), pooled.std(0) + 1e-6
        blocks.append((pooled - e_mean) / e_scale)
        penalty.append(np.full(pooled.shape[1], l2_embedding))
    x = torch.from_numpy(np.hstack(blocks)).double()
    y = torch.from_numpy(np.asarray(labels, dtype=np.float64))
    weight = torch.from_numpy(
        np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    )
    lam = torch.from_numpy(np.concatenate(penalty))
    torch.manual_seed(0)
    w = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], max_iter=500, line_search_fn="strong_wolfe")
    total = float(weight.sum())

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = (
            nn.functional.binary_cross_entropy_with_logits(
                x @ w + b, y, weight=weight, reduction="sum"
            )
            + 0.5 * (lam * w * w).sum()
        ) / total
        loss.backward()
        return loss

    opt.step(closure)
    weights = w.detach().numpy().astype(np.float32)
    n = features.shape[1]
    return Ranker(
        tuple(feature_names),
        mean.astype(np.float32),
        scale.astype(np.float32),
        weights[:n],
        float(b.detach()),
        np.asarray(e_mean, np.float32),
        np.asarray(e_scale, np.float32),
        weights[n:],
    )


# A flagged sentence's reason, most telling first (README, "A flag that means ...").
def reason_for(item: SentenceInput) -> str:
    """A short reason a desk can read: "statistic from NAME", "allegation by NAME", ..."""
    text = item.text
    by = ""
    if item.speaker:
        by = (
            f" from {item.speaker}"
            if item.reporting_verb == "according to"
            else f" by {item.speaker}"
        )
    if NUMBER.search(text) or CUES["quantity"].search(text):
        return f"statistic{by}"
    if CUES["allegation"].search(text):
        return f"allegation{by}"
    if CUES["causal"].search(text):
        return f"causal claim{by}"
    if CUES["law"].search(text):
        return f"claim about a law or record{by}"
    if CUES["comparison"].search(text):
        return f"comparison{by}"
    return f"claim{by}" if by else "factual claim"
