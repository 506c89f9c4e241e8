"""Benchmark the check-worthiness model and ingest on this machine; prints figures.

    .venv/bin/python bench/bench_classifier.py [--sentences N] [--words 5000]

Reports: model load time, sentences per second at batch sizes 1, 16 and 64 (each sentence
on its own), a whole document scored in context, claim embeddings, peak RSS,
and the end-to-end ingest time (segment, score, attribute, store in SQLite) of a
synthetic article of about --words words built from the demo article's sentences.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sample_sentences() -> list[str]:
    from factcheck.text.segment import segment

    text = resources.files("factcheck.cli").joinpath("sample_article.txt").read_text("utf-8")
    return [s.text for s in segment(text)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=512, help="Sentences per batch size.")
    parser.add_argument("--words", type=int, default=5000, help="Words in the ingest article.")
    args = parser.parse_args()

    # factcheck.classifier first: it sets OMP_WAIT_POLICY before torch is imported.
    from factcheck.classifier import DEFAULT_MODEL_DIR, TransformerClassifier  # noqa: I001
    import torch

    print(
        f"python {sys.version.split()[0]}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads, {os.cpu_count()} CPUs"
    )
    start = time.perf_counter()
    classifier = TransformerClassifier(DEFAULT_MODEL_DIR)
    classifier.load()
    print(
        f"model {classifier.name} {classifier.version}: load {time.perf_counter() - start:.2f} s"
        f", peak RSS {rss_mb():.0f} MiB"
    )

    base = sample_sentences()
    texts = (base * (args.sentences // len(base) + 1))[: args.sentences]
    classifier.score(texts[:8])  # warm-up
    for batch in (1, 16, 64):
        classifier.batch_size = batch
        n = min(len(texts), 128) if batch == 1 else len(texts)
        start = time.perf_counter()
        classifier.score(texts[:n])
        elapsed = time.perf_counter() - start
        print(f"batch {batch:>2}: {n / elapsed:8.1f} sentences/s ({n} sentences, {elapsed:.2f} s)")
    # The ingest path: one document scored in context (stage one, features, ranker).
    from factcheck.classifier.features import SentenceInput

    classifier.batch_size = 64
    start = time.perf_counter()
    classifier.score_document([SentenceInput(t) for t in texts])
    elapsed = time.perf_counter() - start
    print(
        f"document of {len(texts)} sentences in context, batch 64: {len(texts) / elapsed:8.1f} "
        "sentences/s"
    )
    start = time.perf_counter()
    classifier.embed(texts[:64])
    elapsed = time.perf_counter() - start
    print(f"claim embeddings (adapters off), batch 64: {64 / elapsed:8.1f} sentences/s")
    classifier.batch_size = 32

    # Structure recognition and sentence splitting, about 1 MB of article text.
    from factcheck.text.segment import segment

    sample = resources.files("factcheck.cli").joinpath("sample_article.txt").read_text("utf-8")
    big = "\n\n".join([sample] * (1_000_000 // len(sample) + 1))
    start = time.perf_counter()
    spans = segment(big)
    elapsed = time.perf_counter() - start
    print(f"segment {len(big) / 1e6:.1f} MB of articles ({len(spans)} spans): {elapsed:.2f} s")

    from factcheck.app import create_app
    from factcheck.classifier.loader import set_classifier
    from factcheck.extensions import db
    from factcheck.intake import ingest
    from factcheck.sources.document import Document

    paragraphs, words = [], 0
    while words < args.words:
        for sentence in base:
            paragraphs.append(f"{sentence} (Item {len(paragraphs)}.)")
            words += len(sentence.split()) + 2
    text = "\n\n".join(" ".join(paragraphs[i : i + 4]) for i in range(0, len(paragraphs), 4))
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "SECRET_KEY": "bench",
                "PASSWORD_PEPPER": "bench",
            }
        )
        set_classifier(app, classifier)
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            result = ingest(
                db.session,
                Document(text=text, title="Benchmark article"),
                actor=None,
                classifier=classifier,
            )
            db.session.commit()
            elapsed = time.perf_counter() - start
            sentences = len(result.article.text.split(". "))
            print(
                f"ingest of a {len(text.split())}-word article (~{sentences} sentences): "
                f"{elapsed:.2f} s end to end, {len(result.claims)} claims flagged"
            )
            db.engine.dispose()
    print(f"peak RSS {rss_mb():.0f} MiB")


if __name__ == "__main__":
    main()
