"""The classifier an app uses: described from the app's config at start, loaded on first
use, and shared by every app in the process. The Flask side of the classifier package; the
model itself (factcheck.classifier) knows nothing of Flask, so offline tools load it alone.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask, current_app

from factcheck.classifier import DEFAULT_MODEL_DIR, Classifier, TransformerClassifier
from factcheck.classifier.runtime import SettingError, classifier_options

_KEY = "factcheck.classifier"


def init_app(app: Flask) -> None:
    """Describe the configured model; nothing heavy is loaded until the first score.

    A classifier setting that cannot work (CLASSIFIER_RUNTIME "fast", CLASSIFIER_THREADS
    -1) stops the start with a ConfigError saying which and why.
    """
    from factcheck.settings import ConfigError

    try:
        model_dir, options = classifier_options(app.config)
    except SettingError as exc:
        raise ConfigError(str(exc)) from exc
    app.extensions[_KEY] = _LazyClassifier(model_dir or DEFAULT_MODEL_DIR, **options)


def share_cores(app: Flask, processes: int, cpus: int | None = None) -> int:
    """Before `processes` worker processes that will each load the model are started on
    this machine: unless CLASSIFIER_THREADS sets a number, give each cores // processes
    torch threads (at least 1) instead of torch's default of one per core each (README,
    "Faster scoring": on 2 cores, two processes of 1 thread scored about 600 sentences/s
    in all, two of 2 threads 550, and 250-270 while torch's threads still spun waiting).
    Returns the threads each process will use (0: torch's default, for a single process)."""
    import os

    lazy = app.extensions.get(_KEY)
    configured = int(app.config.get("CLASSIFIER_THREADS") or 0)
    if configured > 0 or processes <= 1:
        return configured
    threads = max(1, (cpus or os.cpu_count() or 1) // processes)
    if isinstance(lazy, _LazyClassifier) and lazy._real is None:
        lazy.options["threads"] = threads
    return threads


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
