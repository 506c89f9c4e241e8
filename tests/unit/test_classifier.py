"""The real, shipped classifier (loaded from the installed encoder + repo adapters) and the
`factcheck score`, `claims extract` and `model` commands."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from factcheck.classifier import (
    DEFAULT_MODEL_DIR,
    ModelUnavailable,
    TransformerClassifier,
)
from factcheck.classifier.loader import get_classifier
from factcheck.console import main
from tests.shared import seed_text, shared_file


def test_shipped_model_is_small_and_described():
    spec = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())
    assert 0 < spec["threshold"] < 1
    assert spec["name"] and spec["version"]
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size <= 10 * 1024 * 1024


def test_check_worthy_sentences_score_far_above_pleasantries(real):
    worthy, chatter = real.score(
        [
            "The unemployment rate fell to 3.5% in 2019.",
            "Thank you all for coming tonight.",
        ]
    )
    # The ranker spreads scores over [0, 1] (no plateau near 1): a clear gap, not extremes.
    assert worthy - chatter > 0.5 and chatter < 0.1
    assert worthy >= real.threshold > chatter


def test_ordering_on_more_examples(real):
    claims = [
        "We have cut taxes for 95 percent of working families.",
        "Crime in our cities has doubled since 2010.",
        "Iran has supplied weapons to the militias for ten years.",
    ]
    chatter = ["Good evening and welcome.", "I want to thank my wife.", "Let me finish, please."]
    scores = real.score(claims + chatter)
    assert min(scores[:3]) > max(scores[3:])
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_batching_does_not_change_scores(real):
    texts = ["Taxes went up by 40 percent.", "Hello.", "The deficit tripled under his watch."]
    together = real.score(texts)
    alone = [real.score([t])[0] for t in texts]
    assert together == pytest.approx(alone, abs=1e-4)
    assert real.score([]) == []


def test_app_start_does_not_load_the_model(database_url):
    from tests.conftest import make_app

    app = make_app(database_url)
    classifier = get_classifier(app)
    assert isinstance(classifier, TransformerClassifier)
    # the app reads model.json for its name and threshold, but loads no weights until needed
    assert classifier.version and classifier.threshold > 0


def test_missing_or_damaged_model(tmp_path):
    with pytest.raises(ModelUnavailable, match="model.json missing"):
        TransformerClassifier(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.json").write_text((DEFAULT_MODEL_DIR / "model.json").read_text())
    (broken / "adapter.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelUnavailable, match="cannot load"):
        TransformerClassifier(broken).score(["Taxes rose."])


def _cli(args, input_=None, env=None):
    runner = CliRunner()
    return runner.invoke(main, args, input=input_, env=env, catch_exceptions=False)


def test_score_command_arguments(real):
    result = _cli(["score", "The unemployment rate fell to 3.5% in 2019.", "Thanks, everyone."])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.output.strip().splitlines()]
    assert lines[0][1] == "claim" and lines[1][1] == "-"
    assert float(lines[0][0]) > float(lines[1][0])


def test_score_command_csv_contract(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("text,id,extra\nThank you.,b2,x\nTaxes rose 40% in 2019.,a1,y\n")
    out = tmp_path / "out.csv"
    result = _cli(["score", "--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [r["id"] for r in rows] == ["b2", "a1"]
    assert list(rows[0]) == ["id", "score"]
    assert float(rows[1]["score"]) > float(rows[0]["score"])
    # stdin to stdout
    result = _cli(["score", "--input", "-", "--output", "-"], input_="id,text\n7,Hello there.\n")
    assert result.stdout.splitlines()[0] == "id,score"
    assert result.stdout.splitlines()[1].startswith("7,")
    assert len(result.stdout.splitlines()) == 2  # progress went to stderr only
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence\nHello\n")
    result = _cli(["score", "--input", str(bad)])
    assert result.exit_code == 1 and "id and text" in result.output


@pytest.mark.slow  # seconds: runs under CI (tests/conftest.py RUN_SLOW)
def test_claims_extract_json_offline_without_a_database(tmp_path):
    seed = shared_file("seeds", "article-2024-12-03-syria.txt")
    env = {
        **os.environ,
        "FACTCHECK_INSTANCE_PATH": str(tmp_path / "instance"),
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("FACTCHECK_DATABASE_URL", None)
    factcheck = Path(sys.executable).parent / "factcheck"
    done = subprocess.run(
        [str(factcheck), "claims", "extract", str(seed), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    text = seed_text()
    keys = [
        "start",
        "end",
        "kind",
        "sentence",
        "score",
        "rank",
        "is_claim",
        "claim",
        "group",
        "reason",
        "claimant",
        "claimant_role",
        "reporting_verb",
        "claimed_on",
        "hedged",
    ]
    for record in records:
        assert list(record) == keys
        assert text[record["start"] : record["end"]] == record["sentence"]
        assert (record["claim"] is not None) == record["is_claim"]
    flagged = {r["claimant"] for r in records if r["is_claim"]}
    assert {"Esmaeil Baghaei", "Abbas Araghchi", "Masoud Pezeshkian"} <= flagged
    baghaei = next(r for r in records if r["sentence"].startswith("Addressing a weekly"))
    assert baghaei["is_claim"] and baghaei["claimant_role"].startswith("spokesman")
    assert baghaei["claim"].startswith("Israel and the US have supported the terrorist groups")
    # The seed's "date 2024-12-03" header is metadata, not part of the first sentence.
    assert records[0]["kind"] == "caption" and records[0]["sentence"].startswith("A nurse")
    assert not any(r["is_claim"] for r in records if r["kind"] != "body")
    assert baghaei["claimed_on"] == "2024-12-02"  # "on Monday", the article being of Tuesday
    assert not (tmp_path / "instance" / "factcheck.db").exists()


def test_train_and_evaluate_commands_on_a_tiny_set(tmp_path):
    rows = [
        ("Taxes rose 40 percent in 2019.", 1),
        ("Thank you very much.", 0),
        ("The deficit tripled in four years.", 1),
        ("Good evening, everyone.", 0),
        ("Crime fell by a third since 2010.", 1),
        ("Let me answer that.", 0),
    ] * 4
    data = tmp_path / "tiny.csv"
    with data.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "label", "debate"])
        for i, (text, label) in enumerate(rows):
            writer.writerow([i, f"{text} ({i})", label, f"d{i % 2}"])
    out = tmp_path / "model"
    result = _cli(
        [
            "model",
            "train",
            "--data",
            str(data),
            "--out",
            str(out),
            "--epochs",
            "1",
            "--lora-rank",
            "2",
            "--val-fraction",
            "0.25",
            "--batch-size",
            "8",
        ]
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"model.json", "adapter.safetensors", "metrics.json"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["training"]["seed"] == 13 and metrics["validation"]["n"] == 6
    result = _cli(["model", "evaluate", "--model", str(out), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "MAP" in result.output and "P@10" in result.output and "R-precision" in result.output
    result = _cli(["model", "train", "--data", str(tmp_path / "nope.csv"), "--out", str(out)])
    assert result.exit_code == 2


def test_evaluate_prints_classification_measures(tmp_path):
    sample = tmp_path / "sample.csv"
    lines = shared_file("data", "claimbuster", "test.csv").read_text().splitlines()
    sample.write_text("\n".join(lines[:41]) + "\n")
    result = _cli(["model", "evaluate", "--data", str(sample)])
    assert result.exit_code == 0, result.output
    for measure in ("precision", "recall", "F1", "macro F1", "ROC-AUC", "average precision"):
        assert measure in result.output
