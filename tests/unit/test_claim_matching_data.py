"""The claim-matching pairs (tests/data/claim_matching/pairs.tsv) keep the shape their
guideline promises, so thresholds tuned on them measure what the guideline says.

The checks live in problems(), which returns every fault it finds, and are run both on the
shipped file and on hand-made malformed rows: a check that cannot fail would let a broken
row slip into the tuning set unnoticed.
"""

from __future__ import annotations

from collections import Counter

import pytest

from factcheck.settings import ROOT

PAIRS = ROOT / "tests" / "data" / "claim_matching" / "pairs.tsv"
HEADER = ["label", "category", "a", "b"]
# category -> (label its rows must carry, fewest rows, most rows), as in GUIDELINE.md.
CATEGORIES = {
    "paraphrase": ("same", 80, 100),
    "contradiction": ("different", 35, 45),
    "same_words_other_meaning": ("different", 35, 45),
    "same_topic_other_claim": ("different", 45, 55),
    "unrelated": ("different", 15, 25),
}
TOTAL = (220, 260)


def problems(text: str, *, check_counts: bool = True) -> list[str]:
    """Every way the TSV text breaks the guideline's format (empty when it is sound)."""
    if not text.endswith("\n") or "\r" in text:
        return ["the file must use \\n line ends and end with one"]
    lines = text[:-1].split("\n")
    found = []
    if lines[0].split("\t") != HEADER:
        found.append(f"line 1: the header must be {HEADER}")
    seen: dict[frozenset[str], int] = {}
    counts: Counter[str] = Counter()
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        if len(cells) != 4:
            found.append(f"line {number}: {len(cells)} columns, not 4")
            continue
        label, category, a, b = cells
        if label not in ("same", "different"):
            found.append(f"line {number}: label {label!r} is not same or different")
        if category not in CATEGORIES:
            found.append(f"line {number}: unknown category {category!r}")
        elif label != CATEGORIES[category][0]:
            found.append(f"line {number}: {category} rows are labelled {CATEGORIES[category][0]}")
        counts[category] += 1
        for side in (a, b):
            if not side.strip() or side != side.strip():
                found.append(f"line {number}: a side is empty or has outer spaces")
            if '"' in side:
                found.append(f"line {number}: ASCII double quote (use “ ”)")
        if a == b:
            found.append(f"line {number}: a sentence paired with itself")
        key = frozenset((a, b))
        if key in seen:
            found.append(f"line {number}: the pair of line {seen[key]} again")
        seen.setdefault(key, number)
    if check_counts:
        for category, (_, low, high) in CATEGORIES.items():
            if not low <= counts[category] <= high:
                found.append(f"{category}: {counts[category]} rows, not {low}-{high}")
        if not TOTAL[0] <= sum(counts.values()) <= TOTAL[1]:
            found.append(f"{sum(counts.values())} rows in all, not {TOTAL[0]}-{TOTAL[1]}")
    return found


def test_the_shipped_pairs_are_well_formed():
    assert problems(PAIRS.read_text(encoding="utf-8")) == []


A, B = "Inflation fell to 3 percent, the bank said.", "The bank said inflation eased to 3%."
GOOD = f"same\tparaphrase\t{A}\t{B}"


@pytest.mark.parametrize(
    ("rows", "fault"),
    [
        (["label\tcategory\ta"], "the header must be"),
        ([GOOD.replace("\t", " ", 1)], "3 columns, not 4"),
        (["maybe\tparaphrase\tX rose.\tY fell."], "is not same or different"),
        (["same\trumour\tX rose.\tY fell."], "unknown category"),
        (["different\tparaphrase\tX rose.\tY fell."], "paraphrase rows are labelled same"),
        (["same\tcontradiction\tX rose.\tX fell."], "contradiction rows are labelled different"),
        (["same\tparaphrase\t\tY fell."], "a side is empty"),
        (["same\tparaphrase\tX rose. \tY fell."], "outer spaces"),
        (['same\tparaphrase\t"X rose," he said.\tY fell.'], "ASCII double quote"),
        (["different\tunrelated\tX rose.\tX rose."], "paired with itself"),
        ([GOOD, GOOD], "the pair of line 2 again"),
        (
            [
                GOOD,
                f"same\tparaphrase\t{B}\t{A}",
            ],
            "the pair of line 2 again",
        ),
    ],
)
def test_a_malformed_row_is_reported(rows: list[str], fault: str):
    header = [] if rows[0].startswith("label") else ["\t".join(HEADER)]
    text = "\n".join(header + rows) + "\n"
    assert any(fault in found for found in problems(text, check_counts=False)), fault


def test_counts_outside_the_stated_ranges_are_reported():
    lines = PAIRS.read_text(encoding="utf-8").splitlines()
    short = "\n".join(lines[:50]) + "\n"
    assert any("paraphrase: 49 rows, not 80-100" in found for found in problems(short))
    assert any("49 rows in all" in found for found in problems(short))


def test_other_line_ends_are_reported():
    text = PAIRS.read_text(encoding="utf-8")
    assert problems(text.replace("\n", "\r\n"))
    assert problems(text.rstrip("\n"))
