"""Benchmark the revision diff on long explanations; prints figures.

    .venv/bin/python bench/bench_diff.py [--chars 40000] [--old]

Times factcheck.verdicts.diff.word_diff (the diff the claim, revision and review pages
show) on two explanations of --chars characters with scattered edits, and on repetitive
texts built to be its worst case: one sentence over and over, one word over and over,
and a text of words of two letters with every sentence rewritten. Each figure is the
median of several runs, in milliseconds, with the element pairs the diff examined (its
budget is factcheck.verdicts.diff.BUDGET). --old also times the word-by-word diff used
before issue 14 on the first pair (one run: it takes seconds).
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = (
    "the minister said unemployment fell to percent last year while official figures "
    "from statistics office show a rise in labour force survey published on monday "
    "wages prices rent budget deficit hospital schools border energy exports growth"
).split()


def explanation_pair(chars: int, rng: random.Random) -> tuple[str, str]:
    """Two explanations; the second changes a word, adds or drops a sentence here and there."""
    paragraphs: list[list[str]] = []
    while sum(len(s) + 1 for p in paragraphs for s in p) < chars:
        paragraphs.append(
            [
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))).capitalize() + "."
                for _ in range(rng.randint(3, 8))
            ]
        )
    edited = []
    for i, para in enumerate(paragraphs):
        para = list(para)
        if i % 5 == 1:
            words = para[0].split(" ")
            words[len(words) // 2] = "sharply"
            para[0] = " ".join(words)
        if i % 9 == 2:
            para.insert(1, "A new sentence names the table the figure comes from.")
        if i % 11 == 3 and len(para) > 1:
            del para[-1]
        edited.append(para)

    def join(ps: list[list[str]]) -> str:
        return "\n\n".join(" ".join(p) for p in ps)

    return join(paragraphs), join(edited)


def scattered(old: str, rng: random.Random, edits: int = 12) -> str:
    words = old.split(" ")
    for _ in range(edits):
        words[rng.randrange(len(words))] = "changed"
    return " ".join(words)


def rewritten(chars: int, rng: random.Random) -> tuple[str, str]:
    """Sentences of 290 one-letter words between fixed anchors; every sentence rewritten."""

    def sentence() -> str:
        return " ".join(rng.choice("ab") for _ in range(290)) + "."

    n = max(1, chars // 600)
    old = " ".join(f"Anchor {k}. {sentence()}" for k in range(n))
    new = " ".join(f"Anchor {k}. {sentence()}" for k in range(n))
    return old, new


def old_word_diff(old: str, new: str) -> int:
    """The diff before issue 14: every word and space of both texts in one SequenceMatcher."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    return len(difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=40_000)
    parser.add_argument("--old", action="store_true", help="also time the pre-issue-14 diff")
    args = parser.parse_args()

    from factcheck.verdicts.diff import BUDGET, Budget, word_diff

    rng = random.Random(14)  # noqa: S311  (synthetic text, not security)
    pair = explanation_pair(args.chars, rng)
    cases = {
        "explanations, scattered edits": pair,
        "one sentence repeated": ("Prices rose. " * (args.chars // 13),) * 2,
        "one word repeated": ("the " * (args.chars // 4),) * 2,
        "every sentence rewritten": rewritten(args.chars, rng),
    }
    cases["one sentence repeated"] = (
        cases["one sentence repeated"][0],
        scattered(cases["one sentence repeated"][0], rng),
    )
    cases["one word repeated"] = (
        cases["one word repeated"][0],
        scattered(cases["one word repeated"][0], rng),
    )
    print(f"budget {BUDGET:,} element pairs per diff; texts of about {args.chars:,} characters")
    print(f"{'case':34} {'ms (median)':>12} {'pairs examined':>15} {'fell back':>10}")
    for name, (old, new) in cases.items():
        times = []
        for _ in range(7):
            budget = Budget(BUDGET)
            start = time.perf_counter()
            word_diff(old, new, budget=budget)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"{name:34} {statistics.median(times):12.1f} {budget.spent:15,} {budget.fallbacks:10}"
        )
    if args.old:
        start = time.perf_counter()
        old_word_diff(*pair)
        print(f"{'before issue 14, explanations':34} {(time.perf_counter() - start) * 1000:12.1f}")


if __name__ == "__main__":
    main()
