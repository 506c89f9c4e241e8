"""Faster scoring: the merged adapters, the lean encoder and tokenizer, the int8 runtime,
the CLASSIFIER_RUNTIME / CLASSIFIER_THREADS settings and the offline `factcheck score`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from factcheck.app import create_app
from factcheck.classifier import DEFAULT_MODEL_DIR, TransformerClassifier
from factcheck.classifier.lora import LoRALinear, MergedLinear
from factcheck.classifier.runtime import (
    SettingError,
    check_runtime,
    check_threads,
    classifier_options,
)
from factcheck.settings import ConfigError
from tests.fakes import KeywordClassifier

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT / "tests" / "data" / "news"
TEXTS = [
    "The unemployment rate fell to 3.5% in 2019.",
    "Thank you all for coming tonight.",
    "Iran has supplied weapons to the militias for ten years, the minister said.",
    "Hello.",
    "",
    "Ünïcödé naïve café — prices rose 40 % in a year!",
    "word " * 200,  # truncated at 96 tokens
]


def news_sentences() -> list[str]:
    from factcheck.text.segment import segment

    return [s.text for p in sorted(NEWS.glob("*.txt")) for s in segment(p.read_text("utf-8"))]


@pytest.mark.slow  # seconds: loads transformers' BertModel beside the lean encoder
def test_merged_lean_model_matches_the_unmerged_transformers_model(real):
    """The shipped path (lean BERT, adapters merged) against the training path
    (transformers' BertModel with LoRALinear adapters): same logits, states, embeddings."""
    from factcheck.classifier.model import CheckworthinessModel
    from factcheck.classifier.training import encode, load_tokenizer

    reference = CheckworthinessModel.load(DEFAULT_MODEL_DIR)
    assert sum(isinstance(m, LoRALinear) for m in reference.modules()) == 36
    tokenizer = load_tokenizer()
    texts = TEXTS + news_sentences()[:40]
    logits, pooled = encode(reference, tokenizer, texts)
    _, base = encode(reference, tokenizer, texts, adapters=False)

    merged = real._model
    assert not any(isinstance(m, LoRALinear) for m in merged.modules())
    assert sum(isinstance(m, MergedLinear) for m in merged.modules()) == 36
    lean_logits, lean_pooled = real._encode(texts)
    _, lean_base = real._encode(texts, adapters=False)
    assert np.abs(lean_logits - logits).max() < 1e-4
    assert np.abs(lean_pooled - pooled).max() < 1e-4
    # Claim embeddings (adapters off) come from the kept base weights: unchanged.
    assert np.abs(lean_base - base).max() < 1e-5
    embedded = real.embed(texts)
    expected = base / np.linalg.norm(base, axis=1, keepdims=True)
    assert np.abs(embedded - expected).max() < 1e-5


@pytest.mark.slow  # imports transformers' tokenizer
def test_lean_tokenizer_gives_transformers_ids():
    from factcheck.classifier.encoder import LeanTokenizer
    from factcheck.classifier.model import base_encoder_path
    from factcheck.classifier.training import load_tokenizer

    texts = TEXTS + news_sentences()
    expected = load_tokenizer()(
        texts, padding=True, truncation=True, max_length=96, return_tensors="pt"
    )
    got = LeanTokenizer(base_encoder_path())(texts, max_length=96)
    assert got["input_ids"].tolist() == expected["input_ids"].tolist()
    assert got["attention_mask"].tolist() == expected["attention_mask"].tolist()
    assert got["input_ids"].shape[1] == 96  # the long text was truncated, with [SEP]


def test_merged_weight_is_base_plus_scaled_update():
    import torch
    from torch import nn

    from factcheck.classifier.lora import adapters_off, merge_adapters

    torch.manual_seed(0)
    model = nn.Sequential(LoRALinear(nn.Linear(8, 4), rank=2, alpha=4.0))
    nn.init.normal_(model[0].lora_b)
    x = torch.randn(3, 8)
    with torch.no_grad():
        before, base = model(x), model[0].base(x)
        assert merge_adapters(model) == 1
        assert isinstance(model[0], MergedLinear)
        assert torch.allclose(model(x), before, atol=1e-5)
        with adapters_off(model):
            assert torch.equal(model(x), base)
        assert torch.allclose(model(x), before, atol=1e-5)


@pytest.mark.slow  # scores the news set's labelled sentences twice
def test_int8_runtime_agrees_with_fp32_on_the_news_sentences(real):
    from factcheck.classifier.metrics import average_precision
    from factcheck.triage.newsset import read_news_set

    int8 = TransformerClassifier(DEFAULT_MODEL_DIR, runtime="int8")
    # The labelled body sentences, each scored on its own (no context).
    rows = [r for a in read_news_set(NEWS) for r in a.rows if r.kind == "body"]
    labels = np.array([r.flag for r in rows])
    texts = [r.text for r in rows]
    fp32, quantised = np.array(real.score(texts)), np.array(int8.score(texts))
    t = real.threshold
    # Measured 98.4 % (6 of 374 flags change; one scale per tensor: 95.5 %): under the
    # issue's 99 % target, which is why "int8" is not the default runtime (README).
    assert np.mean((fp32 >= t) == (quantised >= t)) >= 0.98
    # Average precision within 0.005 of fp32's.
    assert abs(average_precision(labels, quantised) - average_precision(labels, fp32)) <= 0.005
    # Claim embeddings do not depend on the runtime.
    assert np.abs(int8.embed(texts[:16]) - real.embed(texts[:16])).max() < 1e-5


def test_runtime_and_threads_settings_are_checked():
    assert check_runtime("torch") == "torch" and check_runtime(" INT8 ") == "int8"
    assert check_runtime("") == "torch"
    for bad in ("onnx", "fast", 8):
        with pytest.raises(SettingError, match="CLASSIFIER_RUNTIME must be one of"):
            check_runtime(bad)
    assert check_threads(0) == 0 and check_threads("2") == 2
    for bad in (-1, 1.5, "two", True, 10_000):
        with pytest.raises(SettingError, match="CLASSIFIER_THREADS must be a whole number"):
            check_threads(bad)
    model_dir, options = classifier_options(
        {"CLASSIFIER_RUNTIME": "int8", "CLASSIFIER_THREADS": 1, "CLASSIFIER_THRESHOLD": ""}
    )
    assert model_dir is None
    assert options == {"batch_size": 32, "threshold": None, "runtime": "int8", "threads": 1}
    with pytest.raises(SettingError, match="CLASSIFIER_BATCH_SIZE"):
        classifier_options({"CLASSIFIER_BATCH_SIZE": 0})
    with pytest.raises(SettingError, match="CLASSIFIER_THRESHOLD"):
        classifier_options({"CLASSIFIER_THRESHOLD": "high"})
    with pytest.raises(SettingError):
        TransformerClassifier(DEFAULT_MODEL_DIR, runtime="onnx")


def test_a_bad_classifier_setting_stops_the_app_at_start():
    with pytest.raises(ConfigError, match="CLASSIFIER_RUNTIME must be one of torch, int8"):
        create_app({"CLASSIFIER_RUNTIME": "fast"})
    with pytest.raises(ConfigError, match="CLASSIFIER_THREADS"):
        create_app({"CLASSIFIER_THREADS": -1})
    app = create_app({"CLASSIFIER_RUNTIME": "int8", "CLASSIFIER_THREADS": 1})
    from factcheck.classifier.loader import get_classifier

    classifier = get_classifier(app)
    assert isinstance(classifier, TransformerClassifier)
    assert (classifier.runtime, classifier.threads) == ("int8", 1)
    assert not classifier.loaded


# Runs `factcheck score` as the console script does, then reports what was imported.
_PROBE = """
import json, sys
from factcheck.console import main
code = 0
try:
    main(sys.argv[1:], prog_name="factcheck")
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted({m.split(".")[0] for m in sys.modules}
               & {"flask", "sqlalchemy", "flask_sqlalchemy", "transformers", "sklearn"})
print(json.dumps({"code": code, "heavy": heavy, "app": "factcheck.app" in sys.modules,
                  "torch": "torch" in sys.modules}), file=sys.stderr)
"""


def _probe(args: list[str], tmp_path: Path, **env: str) -> tuple[dict, str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    environ.update(FACTCHECK_INSTANCE_PATH=str(tmp_path / "instance"), **env)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report, done.stdout, done.stderr


def test_score_fast_path_errors_without_flask_or_the_model(tmp_path):
    # No sentences: usage error, exit 2, nothing heavy imported (not even torch).
    report, _, err = _probe(["score"], tmp_path)
    assert report == {"code": 2, "heavy": [], "app": False, "torch": False}
    assert "give sentences as arguments, or --input FILE (not both)" in err
    # A bad runtime: a clear message, exit 2, before any model is loaded.
    report, _, err = _probe(["score", "Taxes rose."], tmp_path, FACTCHECK_CLASSIFIER_RUNTIME="fast")
    assert report["code"] == 2 and report["heavy"] == [] and not report["torch"]
    assert "CLASSIFIER_RUNTIME must be one of torch, int8 (it is 'fast')" in err
    # No model in the configured directory: exit 1 with the reason.
    report, _, err = _probe(
        ["score", "Taxes rose."], tmp_path, FACTCHECK_CLASSIFIER_MODEL_DIR=str(tmp_path)
    )
    assert report["code"] == 1 and report["heavy"] == []
    assert f"Error: no model at {tmp_path} (model.json missing)" in err
    # A CSV without the columns: exit 1, as before.
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence\nHello\n")
    report, _, err = _probe(["score", "--input", str(bad)], tmp_path)
    assert report["code"] == 1 and "the input CSV needs the columns id and text" in err
    assert not (tmp_path / "instance").exists()  # no app: no instance folder, no secrets


@pytest.mark.slow  # a process that loads the model (seconds)
def test_score_fast_path_scores_without_flask(tmp_path):
    args = ["score", "The unemployment rate fell to 3.5% in 2019.", "Thanks, everyone."]
    report, out, _ = _probe(args, tmp_path, FACTCHECK_CLASSIFIER_RUNTIME="int8")
    assert report == {"code": 0, "heavy": [], "app": False, "torch": True}
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [line[1:] for line in lines] == [
        ["claim", "The unemployment rate fell to 3.5% in 2019."],
        ["-", "Thanks, everyone."],
    ]
    assert float(lines[0][0]) > 0.5 > 0.1 > float(lines[1][0])
    # The settings file layer is read too (FACTCHECK_CONFIG), as the app reads it.
    settings = tmp_path / "site.toml"
    settings.write_text("CLASSIFIER_THRESHOLD = 0.999\n")
    report, out, _ = _probe(args[:2], tmp_path, FACTCHECK_CONFIG=str(settings))
    assert report["code"] == 0 and out.split("\t")[1] == "-"


def test_score_inside_an_app_uses_the_apps_classifier(app, fake_classifier):
    from factcheck.cli.score import score_command

    result = app.test_cli_runner().invoke(score_command, ["The deficit tripled.", "Good evening."])
    assert result.exit_code == 0, result.output
    expected = fake_classifier.score(["The deficit tripled.", "Good evening."])
    assert [float(line.split("\t")[0]) for line in result.output.splitlines()] == [
        pytest.approx(v, abs=1e-4) for v in expected
    ]


def test_worker_processes_share_the_cores():
    from factcheck.classifier.loader import get_classifier, share_cores

    app = create_app()
    assert share_cores(app, 1, cpus=2) == 0  # one process: torch's default
    assert share_cores(app, 2, cpus=2) == 1
    assert share_cores(app, 3, cpus=8) == 2
    assert get_classifier(app).threads == 2  # the last call's, before the model exists
    pinned = create_app({"CLASSIFIER_THREADS": 3})
    assert share_cores(pinned, 4, cpus=2) == 3  # a set number is kept
    assert get_classifier(pinned).threads == 3


@pytest.mark.slow  # scores and embeds in two threads with the real model
def test_embedding_in_one_thread_does_not_change_scores_in_another(real):
    import threading

    texts = TEXTS[:4] * 8
    expected = real.score(texts)
    results: list[list[float]] = []
    stop = threading.Event()

    def embed_loop() -> None:
        while not stop.is_set():
            real.embed(texts)

    worker = threading.Thread(target=embed_loop)
    worker.start()
    try:
        for _ in range(6):
            results.append(real.score(texts))
    finally:
        stop.set()
        worker.join(timeout=60)
    for got in results:
        assert got == pytest.approx(expected, abs=1e-5)


def test_torch_threads_sleep_while_waiting():
    # Set by factcheck.classifier before torch is imported, unless the process sets it.
    code = "import os, factcheck.classifier; print(os.environ['OMP_WAIT_POLICY'])"
    environ = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, check=True
    )
    assert done.stdout.strip() == "PASSIVE"
    environ["OMP_WAIT_POLICY"] = "ACTIVE"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, check=True
    )
    assert done.stdout.strip() == "ACTIVE"


def test_score_csv_keeps_input_order_across_length_sorted_chunks(app, fake_classifier, tmp_path):
    import csv

    from factcheck.cli.score import score_command

    rows = [(f"r{i}", "Taxes rose 5 percent. " * ((i * 7) % 13) + f"Line {i}.") for i in range(600)]
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as fh:
        csv.writer(fh).writerows([("id", "text"), *rows])
    out = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(
        score_command, ["--input", str(source), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    got = list(csv.DictReader(out.read_text().splitlines()))
    assert [r["id"] for r in got] == [r[0] for r in rows]
    expected = KeywordClassifier().score([r[1] for r in rows])
    assert [float(r["score"]) for r in got] == pytest.approx(expected, abs=1e-6)
    # Scored in chunks of at most 256, each of texts of similar length.
    chunks = fake_classifier.calls
    assert [len(c) for c in chunks] == [256, 256, 88]
    assert max(len(t) for t in chunks[0]) <= min(len(t) for t in chunks[1])
