"""Is a new claim the same claim as one from another article? Cosine plus text checks.

Across articles the same allegation comes in other words, other number formats and
another claimant's mouth, while look-alikes that differ in one word ("exports" and
"imports", 2024 and 2025, "rose" and "fell") embed closer than true paraphrases
(README, "Matching claims across articles"). So an automatic link needs both: a cosine at
or above MATCH_SAME_SIMILARITY, and none of the conflicts below, checked after the
numbers of both sides are brought to one form ("1,240" and "1240"; "7.4 percent" and
"7.4%"; "$90m", "90-million-dollar" and "90 million dollars"; "one in five", "a fifth"
and "20%"; "ten thousand" and "10,000"):

- the quantities, years or months differ (or appear on one side only);
- a negation on one side only;
- opposite directions: a rise against a fall, support against opposition, killed against
  rescued, fined against cleared, lawful against unlawful, owned against sold;
- each side names a place, organisation or person the other does not (Velmora against
  Tassany: a swap of the subject, not a detail added on one side);
- a slot swap: the same sentence with one or two content words replaced ("measles" and
  "dengue fever", "kidney" and "liver"), or two words exchanged (who did what to whom).

`factcheck model match-pairs` reports precision and recall of this rule and of cosine
alone per threshold on tests/data/claim_matching/pairs.tsv (README has the figures the
thresholds were chosen from). The within-article rule (classifier.paraphrase) is
unchanged: it groups one article's sentences and keeps its own, stricter reading.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import numpy as np

from factcheck.classifier.data import DataError
from factcheck.classifier.paraphrase import Embedder

# Relative difference under which two quantities are one ("two-thirds" and 67%).
TOLERANCE = 0.01
# Share of words matched in order above which a replaced word makes another claim.
SLOT_SHARE = 0.6

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
# Fractions, as the percentage they are: "a third", "two-thirds", "half".
_FRACTIONS = {
    "half": 50.0, "third": 100 / 3, "thirds": 100 / 3, "quarter": 25.0, "quarters": 25.0,
    "fifth": 20.0, "fifths": 20.0, "tenth": 10.0, "tenths": 10.0,
}  # fmt: skip
_MULTIPLES = {
    "twice": 2, "double": 2, "doubled": 2, "doubles": 2, "triple": 3, "tripled": 3,
    "trebled": 3, "treble": 3, "triples": 3,
}  # fmt: skip
_SUFFIXES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000}
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_NUMBER_WORD = "|".join([*_UNITS, *_TENS, *_SCALES])
_NUMERAL = re.compile(r"\d+(?:\.\d+)?")

_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|nobody|without|denied|denies|deny|zero|neither|nor|"
    r"lacks?|lacking)\b"
    r"|n't\b",
    re.I,
)
# Opposite directions: a claim with words of one side and none of the other, against one
# with the reverse.
_OPPOSITES = (
    (
        r"\b(?:rose|risen|rises|rise|rising|grew|grown|grows|increased?|increases|higher|"
        r"gained|climbed|soared|jumped|surged|more than doubled)\b|\bup \d",
        r"\b(?:fell|fallen|falls|fall|dropped|drops|declined?|declines|decreased?|"
        r"decreases|lower|cut|cuts|shrank|shrunk|eased|slashed|plunged|down \d)\b",
    ),
    (r"\b(?:support|supports|supported|backs?|backed|favou?rs?)\b", r"\b(?:oppose[sd]?|against)\b"),
    (
        r"\b(?:killed|died|drowned|dead|deaths?|perished)\b",
        r"\b(?:rescued|survived|alive|unharmed)\b",
    ),
    (
        r"\b(?:fined|convicted|guilty|sentenced)\b",
        r"\b(?:cleared|acquitted|innocent|exonerated)\b",
    ),
    (
        r"\b(?:in line with|complies with|compatible with|lawful|legal)\b",
        r"\b(?:unconstitutional|breach(?:es|ed)?|violat\w+|unlawful|illegal)\b",
    ),
    (r"\b(?:owns?|owned|holds|held shares|bought|buys)\b", r"\b(?:sold|sells)\b"),
)
_OPPOSITE_PATTERNS = [(re.compile(a, re.I), re.compile(b, re.I)) for a, b in _OPPOSITES]

# Capitalised words that name no subject: titles, calendar words, sentence openers.
_NOT_ENTITIES = frozenset(
    """the a an in on at of for by to from with and but or as it its this that these those
    he she they we our his her their there here since after before during between under
    over about some more most all every no not former ex prime minister president senator
    governor general mayor mp police chief state national new old last next first according
    monday tuesday wednesday thursday friday saturday sunday q1 q2 q3 q4 i ombudsman
    """.split()
) | frozenset(_MONTHS)
_WORD = re.compile(r"[A-Za-z][\w’'-]*")

# Words that carry no claim of their own: function words, attribution, reporting verbs.
_STOP = frozenset(
    """a an the of to in on at for by with and or but that this these those is are was were
    be been being has have had it its their his her he she they them we our you your i as
    from into over after before than about also there which who whom whose what when where
    while said says say told claimed claims claim alleged alleges accused accuses according
    added stated insisted argued found finds reported report showed show shows estimated
    now some about nearly around almost only just still all any per cent percent pct
    monday tuesday wednesday thursday friday saturday sunday yesterday today week weekend
    """.split()
)
# Words and phrases written two ways for one thing (replaced before words are compared).
_SAME_WORDS = (
    (r"\bper ?cent\b|%", " percent "),
    (r"\bpct\b", " percent "),
    (r"\bcentimet(?:re|er)s?\b", " cm "),
    (r"\bkilomet(?:re|er)s?\b", " km "),
    (r"\bkilo(?:gram)?s?\b|\bkgs?\b", " kg "),
    (r"\bhectares?\b", " ha "),
    (r"\btonnes?\b|\btons?\b", " tonnes "),
    (r"\bfortnight\b", " two weeks "),
    (r"\bdecades?\b", " ten years "),
    (r"\btrebled\b", " tripled "),
    (r"\bq([1-4])\b", r" \1 quarter "),
    (r"[$€£¥]", " "),
)


@dataclass(frozen=True)
class Reading:
    """What the checks compare of one claim: its quantities, months, words and names."""

    text: str
    quantities: tuple[float, ...]
    months: frozenset[str]
    words: tuple[str, ...]
    entities: frozenset[str]
    negated: bool


def _number_words(text: str) -> str:
    """Spelled-out numbers as numerals: "ten thousand" -> "10000", "forty-two" -> "42"."""

    def value(match: re.Match[str]) -> str:
        if match.group(0).lower() == "one" and not re.match(r" \w", match.string[match.end() :]):
            return match.group(0)  # "any previous one."
        total = current = 0
        for word in re.split(r"[\s-]+", match.group(0).lower()):
            if word in _UNITS:
                current += _UNITS[word]
            elif word in _TENS:
                current += _TENS[word]
            elif word == "hundred":
                current = max(current, 1) * 100
            elif word in _SCALES:
                total += max(current, 1) * _SCALES[word]
                current = 0
        return str(total + current)

    pattern = rf"\b(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_NUMBER_WORD}))*\b"
    return re.sub(pattern, value, text, flags=re.I)


def _scaled(text: str) -> str:
    """Numerals with their scale multiplied in: "90m" and "90 million" -> "90000000"."""
    text = re.sub(
        r"\b(\d+(?:\.\d+)?) ?(k|m|mn|bn|b)\b",
        lambda m: f"{float(m.group(1)) * _SUFFIXES[m.group(2)]:.12g}",
        text,
    )
    return re.sub(
        r"\b(\d+(?:\.\d+)?) (hundred|thousand|million|billion)\b",
        lambda m: f"{float(m.group(1)) * _SCALES[m.group(2)]:.12g}",
        text,
    )


def normalise(text: str) -> str:
    """Lower-case text with numbers in one form: digits, no thousands separators, the
    scale multiplied in ("$90m" -> "90000000"), fractions and "N in M" as percentages."""
    out = text.replace("’", "'").replace("“", " ").replace("”", " ")
    out = re.sub(r"(?<=\d),(?=\d{3}\b)", "", out)
    out = re.sub(r"(?<=\d)-(?=[a-z])", " ", out, flags=re.I)  # "90-million-dollar"
    out = re.sub(r"(?<=[a-z])-(?=\d)", " ", out, flags=re.I)  # "over-65s" kept as 65s
    lower = out.lower()
    for pattern, replacement in _SAME_WORDS:
        lower = re.sub(pattern, replacement, lower)
    # Fractions before number words turn "a third" / "two thirds" into percentages.
    lower = re.sub(
        r"\b(?:(a|one|two|three|four|nine)[\s-]+)(half|thirds?|quarters?|fifths?|tenths?)\b",
        lambda m: f" {(_UNITS.get(m.group(1), 1)) * _FRACTIONS[m.group(2)]:.4g} percent ",
        lower,
    )
    lower = re.sub(r"\bhalf\b", " 50 percent ", lower)
    lower = re.sub(r"\s+", " ", lower)
    lower = _scaled(lower)
    lower = _number_words(lower)
    lower = _scaled(lower)
    # "one in five", "1 in 3", "one ballot in ten": a share, as a percentage.
    lower = re.sub(
        r"\b(\d+) (?:[a-z]+ )?in (\d+)\b(?! ?percent)",
        lambda m: (
            f" {100 * int(m.group(1)) / int(m.group(2)):.4g} percent "
            if 0 < int(m.group(1)) < int(m.group(2)) <= 100
            else m.group(0)
        ),
        lower,
    )
    lower = re.sub(
        r"\b(\d+(?:\.\d+)?) tonnes\b", lambda m: f"{float(m.group(1)) * 1000:.12g} kg", lower
    )
    for word, times in _MULTIPLES.items():
        lower = re.sub(rf"\b{word}\b", f" {times} times ", lower)
    lower = re.sub(
        r"\b(" + "|".join(_ORDINALS) + r")\b",
        lambda m: f" {_ORDINALS[m.group(1)]} ",
        lower,
    )
    return re.sub(r"\s+", " ", lower).strip()


def _quantities(normalised: str) -> tuple[float, ...]:
    values = {float(n) for n in _NUMERAL.findall(normalised)}
    return tuple(sorted(values))


def _entities(text: str) -> frozenset[str]:
    """Capitalised names after the first word, keyed by their first five letters (so
    "Europe" and "European", "Brightline" and "Brightline's" are one)."""
    found = set()
    for match in _WORD.finditer(text):
        word = match.group(0)
        before = text[: match.start()].rstrip()
        if not before or before[-1] in '.:“"!?':
            continue  # sentence opener: capitalised whatever it is
        if not word[0].isupper():
            continue
        key = word.lower().split("'")[0].split("’")[0]
        if key in _NOT_ENTITIES:
            continue
        found.add(key[:5])
    return frozenset(found)


def read(text: str) -> Reading:
    """The parts of a claim the checks compare."""
    normalised = normalise(text)
    lower = text.lower()
    # "May" the month only when capitalised and not the first word ("may" is a verb).
    months = frozenset(
        m
        for m in _MONTHS
        if (re.search(r"(?<=\S)\s+May\b", text) if m == "may" else re.search(rf"\b{m}\b", lower))
    )
    words = tuple(w for w in re.findall(r"[a-z0-9.]+", normalised) if w not in _STOP)
    return Reading(
        text=text,
        quantities=_quantities(normalised),
        months=months,
        words=tuple(w.strip(".") for w in words if w.strip(".")),
        entities=_entities(text),
        negated=bool(_NEGATION.search(normalised)),
    )


def same_quantities(a: Iterable[float], b: Iterable[float]) -> bool:
    a, b = list(a), list(b)

    def covered(xs: list[float], ys: list[float]) -> bool:
        return all(any(abs(x - y) <= TOLERANCE * max(abs(x), abs(y)) for y in ys) for x in xs)

    return covered(a, b) and covered(b, a)


def _opposite(a: str, b: str) -> bool:
    for up, down in _OPPOSITE_PATTERNS:
        a_up, a_down = bool(up.search(a)), bool(down.search(a))
        b_up, b_down = bool(up.search(b)), bool(down.search(b))
        if (a_up and not a_down and b_down and not b_up) or (
            a_down and not a_up and b_up and not b_down
        ):
            return True
    return False


def _swapped(a: Sequence[str], b: Sequence[str]) -> bool:
    """The same words with exactly two of them exchanged (who did what to whom)."""
    if len(a) != len(b) or sorted(a) != sorted(b):
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(differ) == 2 and a[differ[0]] == b[differ[1]] and a[differ[1]] == b[differ[0]]


def _slot_swap(a: Sequence[str], b: Sequence[str]) -> bool:
    """One sentence, in the same order, with a word or a few replaced by others ("measles"
    against "dengue fever"): most words match in order, and some are replaced rather
    than added on one side (an added detail is allowed)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    replaced = any(op == "replace" for op, *_ in matcher.get_opcodes())
    return replaced and matched >= SLOT_SHARE * max(len(a), len(b))


def conflict(a: str | Reading, b: str | Reading) -> str | None:
    """What sets two look-alike claims apart, if anything embeddings would blur."""
    ra = a if isinstance(a, Reading) else read(a)
    rb = b if isinstance(b, Reading) else read(b)
    if not same_quantities(ra.quantities, rb.quantities):
        return "numbers or dates differ"
    if ra.months != rb.months:
        return "months differ"
    if ra.negated != rb.negated:
        return "negation on one side only"
    if _opposite(normalise(ra.text), normalise(rb.text)):
        return "opposite directions"
    if ra.entities - rb.entities and rb.entities - ra.entities:
        return "different names"
    if _swapped(ra.words, rb.words):
        return "two words exchanged"
    if _slot_swap(ra.words, rb.words):
        return "a word replaced in the same sentence"
    return None


def same_claim(a: str | Reading, b: str | Reading, cosine: float, threshold: float) -> bool:
    """Whether the newer claim may be linked to the earlier one without a person."""
    return cosine >= threshold and conflict(a, b) is None


# Pairs files and the measurements of `factcheck model match-pairs`.

CATEGORIES = (
    "paraphrase",
    "contradiction",
    "same_words_other_meaning",
    "same_topic_other_claim",
    "unrelated",
)


@dataclass(frozen=True)
class Pair:
    same: bool
    category: str
    a: str
    b: str


def read_pairs(path: Path) -> list[Pair]:
    """The rows of a labelled pairs file: label, category, a, b (tab-separated)."""
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
            if reader.fieldnames != ["label", "category", "a", "b"]:
                raise DataError(f"{path}: the header must be label, category, a, b")
            pairs = []
            for line, row in enumerate(reader, start=2):
                if row["label"] not in ("same", "different") or not row["a"] or not row["b"]:
                    raise DataError(f"{path}:{line}: needs a label (same/different) and two claims")
                pairs.append(Pair(row["label"] == "same", row["category"], row["a"], row["b"]))
            return pairs
    except FileNotFoundError as exc:
        raise DataError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text") from exc


def similarities(pairs: Sequence[Pair], embed: Embedder) -> np.ndarray:
    """Cosine similarity of each pair (the embedder returns unit-length rows)."""
    a = embed([p.a for p in pairs])
    b = embed([p.b for p in pairs])
    return (np.asarray(a) * np.asarray(b)).sum(axis=1)


@dataclass(frozen=True)
class Score:
    threshold: float
    precision: float
    recall: float
    f1: float
    # Pairs called "same" per category (for `different` categories: the false links).
    called: dict[str, int]


@lru_cache(maxsize=4096)
def _no_conflict(a: str, b: str) -> bool:
    """conflict(a, b) is None, remembered (a sweep asks it at every threshold)."""
    return conflict(a, b) is None


def score(pairs: Sequence[Pair], sims: np.ndarray, threshold: float, *, with_rule: bool) -> Score:
    """Precision, recall and F1 of "same" at one threshold, cosine alone or with the rule."""
    called = {c: 0 for c in CATEGORIES}
    tp = fp = 0
    for pair, sim in zip(pairs, sims, strict=True):
        guess = sim >= threshold and (not with_rule or _no_conflict(pair.a, pair.b))
        if guess:
            called[pair.category] = called.get(pair.category, 0) + 1
            tp += pair.same
            fp += not pair.same
    positives = sum(p.same for p in pairs)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return Score(round(threshold, 3), precision, recall, f1, called)


def split(pairs: Sequence[Pair]) -> tuple[list[int], list[int]]:
    """Indices of a fixed half split, every other row of each category (tune, test)."""
    tune, test = [], []
    seen: dict[str, int] = {}
    for i, pair in enumerate(pairs):
        n = seen.get(pair.category, 0)
        (tune if n % 2 == 0 else test).append(i)
        seen[pair.category] = n + 1
    return tune, test
