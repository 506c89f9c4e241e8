"""Are two sentences the same claim in other words? Embeddings plus conflict checks.

Two claims of one article are the same when their sentence embeddings are similar enough
(cosine; a little less is enough when they name the same two or more entities) and nothing
sets them apart that embeddings blur: different numbers or dates, a number on one side only,
a negation on one side only, a plan or forecast against a statement of fact, or a rise
against a fall. `factcheck model paraphrase` reports precision and recall of this rule on
labelled pairs (`same<TAB>a<TAB>b`, tests/data/paraphrase_pairs.tsv) per threshold; the
app's SAME_CLAIM_SIMILARITY is chosen there.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from factcheck.classifier.data import DataError

Embedder = Callable[[Sequence[str]], np.ndarray]

# How much lower the cosine may be when both sentences name the same 2+ entities.
ENTITY_BONUS = 0.1
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NEGATION = re.compile(r"\b(?:not|no|never|none|nothing|without|denied|denies|deny)\b|n't", re.I)
_MODAL = re.compile(
    r"\b(?:will|would|plans? to|planned to|intends? to|expects?|could|may|might)\b", re.I
)
_UP = re.compile(
    r"\b(?:rose|risen|rises|grew|grown|increased?|higher|gained|doubled|tripled)\b", re.I
)
_DOWN = re.compile(r"\b(?:fell|fallen|falls|dropped|declined?|decreased?|lower|cut|shrank)\b", re.I)
_ENTITY = re.compile(r"\b(?:US|UK|EU|UN|[A-Z][a-z][\w’'-]*)")
# Demonyms and long forms that name the same entity as the short form.
_SAME_ENTITY = {
    "israeli": "israel",
    "american": "us",
    "united": "us",
    "iranian": "iran",
    "syrian": "syria",
    "russian": "russia",
    "turkish": "turkey",
    "zionist": "israel",
}
_SENTENCE_START = {
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "over",
    "such",
    "we",
    "he",
    "she",
    "it",
    "they",
    "this",
    "that",
    "after",
    "before",
    "during",
    "following",
}


_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": "30", "forty": "40", "fifty": "50", "hundred": "100", "thousand": "1000"}


def _numbers(text: str) -> set[str]:
    """Numbers and month names ("twelve" and "12" are one number)."""
    lower = text.lower()
    words = {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", lower) if w in _NUMBER_WORDS}
    return set(_NUMBER.findall(text.replace(",", ""))) | words | {m for m in _MONTHS if m in lower}


def entities(text: str) -> set[str]:
    """Capitalised names in a sentence, normalised ("Israeli" and "Israel" are one)."""
    found = set()
    for word in _ENTITY.findall(text):
        key = word.lower().removesuffix("’s").removesuffix("'s")
        if key not in _SENTENCE_START:
            found.add(_SAME_ENTITY.get(key, key))
    return found


_STOP = frozenset(
    """a an the of to in on at for by with and or but that this these those is are was were be
    been being has have had it its their his her he she they them we our you your i as from
    into over after before than about also there which who whom whose what when where while
    said says say told claimed claims claim alleged alleges accused accuses according added
    stated insisted argued
    monday tuesday wednesday thursday friday saturday sunday yesterday today week weekend
    """.split()
)


def _content(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


def _minimal_edit(a: str, b: str) -> str | None:
    """Look-alikes that differ in a word or two, or in who did what to whom: in one
    article that is a contrast ("exports" against "imports"), not a repeat."""
    wa, wb = _content(a), _content(b)
    sa, sb = set(wa), set(wb)
    if sa == sb:
        if [w for w in wa if w in sb] != [w for w in wb if w in sa]:
            return "the same words in another order"
        return None
    shared = sa & sb
    if len(sa - sb) <= 2 and len(sb - sa) <= 2 and len(shared) >= 0.6 * max(len(sa), len(sb)):
        return "one or two words differ"
    return None


def conflict(a: str, b: str) -> str | None:
    """What sets two look-alike claims apart, if anything embeddings would blur."""
    if edit := _minimal_edit(a, b):
        return edit
    na, nb = _numbers(a), _numbers(b)
    if na != nb:
        return "numbers or dates differ"
    for name, pattern in (("negation", _NEGATION), ("plan or forecast", _MODAL)):
        if bool(pattern.search(a)) != bool(pattern.search(b)):
            return f"{name} on one side only"
    if (_UP.search(a) and _DOWN.search(b)) or (_DOWN.search(a) and _UP.search(b)):
        if not (_UP.search(a) and _DOWN.search(a)) and not (_UP.search(b) and _DOWN.search(b)):
            return "a rise against a fall"
    return None


def same_claim(a: str, b: str, cosine: float, threshold: float) -> bool:
    """The rule the app groups an article's flagged sentences by."""
    if conflict(a, b):
        return False
    shared = len(entities(a) & entities(b))
    return cosine >= threshold or (shared >= 2 and cosine >= threshold - ENTITY_BONUS)


def read_pairs(path: Path) -> list[tuple[int, str, str]]:
    """(same, a, b) rows of a pairs file."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            if reader.fieldnames != ["same", "a", "b"]:
                raise DataError(f"{path}: the header must be same, a, b")
            rows = []
            for line, row in enumerate(reader, start=2):
                if row["same"] not in ("0", "1") or not row["a"] or not row["b"]:
                    raise DataError(f"{path}:{line}: needs same (0/1) and two sentences")
                rows.append((int(row["same"]), row["a"], row["b"]))
            return rows
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file") from exc


def similarities(pairs: Sequence[tuple[int, str, str]], embed: Embedder) -> np.ndarray:
    """Cosine similarity of each pair (the embedder returns unit-length rows)."""
    a = embed([p[1] for p in pairs])
    b = embed([p[2] for p in pairs])
    return (a * b).sum(axis=1)


def sweep(
    pairs: Sequence[tuple[int, str, str]], sims: np.ndarray, thresholds: Sequence[float]
) -> list[dict]:
    """Precision, recall and F1 of same_claim() at each threshold."""
    labels = np.array([p[0] for p in pairs])
    out = []
    for t in thresholds:
        guess = np.array(
            [same_claim(a, b, float(s), t) for (_, a, b), s in zip(pairs, sims, strict=True)]
        )
        tp = int((guess & (labels == 1)).sum())
        precision = tp / max(int(guess.sum()), 1)
        recall = tp / max(int(labels.sum()), 1)
        f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
        out.append(
            {"threshold": round(float(t), 3), "precision": precision, "recall": recall, "f1": f1}
        )
    return out
