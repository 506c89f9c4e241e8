"""Field-by-field differences between two verdict revisions, at a bounded cost.

A text is compared in two steps. First by sentence (a sentence, or a line, with the space
after it is one unit), which is cheap: a 40,000-character explanation has a few hundred.
Then, inside each changed passage of at most WORD_SPAN_LIMIT words a side, word by word.
Both steps start by setting aside the units the two sides share at the start and at the
end, which costs one pass. Every search for matching units draws on one budget per pair
of revisions (element pairs examined by difflib's longest-match search); a passage whose
search would overdraw it, or one longer than WORD_SPAN_LIMIT words, is shown whole as
removed and added. So no pair of texts, however long or repetitive, costs more than
BUDGET element pairs to compare, and the marks always rebuild both texts exactly.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from factcheck.verdicts.models import VerdictRevision
from factcheck.verdicts.presentation import REVISION_FIELDS, revision_values

# Element pairs one diff of two revisions (all fields together) may examine: about 50 ms
# of work at most. Ordinary edits of a 40,000-character explanation use a few per cent.
BUDGET = 500_000
# The longest changed passage (words a side) that is compared word by word.
WORD_SPAN_LIMIT = 300

# Where a unit ends: closing punctuation (the first of a run, so a run of dots is read
# once), quotes or brackets, and the space after them; or a line break.
_UNIT_END = re.compile(r"(?<![.!?…])[.!?…]+[\"'”’)\]]*\s+|\n\s*")
_TOKEN = re.compile(r"\S+|\s+")


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its label, both values as text, and an HTML word diff.

    `coarse` says the comparison ran out of budget, so some changed passages are shown
    whole as removed and added rather than word by word.
    """

    field: str
    label: str
    old: str
    new: str
    marked: Markup
    coarse: bool = False


# Element pairs one page may examine over all the diffs it shows (the claim page diffs
# every consecutive pair of revisions): four pairs' worth, well under a second.
PAGE_BUDGET = 4 * BUDGET


class _Overdrawn(Exception):
    """A search would examine more element pairs than the budget has left."""


class Budget:
    """Element pairs a diff may still examine; shared by every search of one diff."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0
        self.fallbacks = 0  # searches refused for want of budget

    def charge(self, pairs: int) -> None:
        if self.spent + pairs > self.limit:
            raise _Overdrawn
        self.spent += pairs


class _BoundedMatcher(difflib.SequenceMatcher):
    """A SequenceMatcher that pays for each longest-match search before it starts."""

    def __init__(self, a: Sequence[str], b: Sequence[str], budget: Budget, *, autojunk: bool):
        self.budget = budget
        super().__init__(None, a, b, autojunk=autojunk)

    def find_longest_match(self, alo=0, ahi=None, blo=0, bhi=None):  # noqa: ANN001, ANN201
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        b2j = self.b2j
        # The search visits, for each element of a[alo:ahi], its places in b; growing a
        # match costs at most the two ranges' lengths.
        visits = sum(len(b2j.get(x, ())) for x in self.a[alo:ahi])
        self.budget.charge(visits + (ahi - alo) + (bhi - blo))
        return super().find_longest_match(alo, ahi, blo, bhi)


def _opcodes(
    a: Sequence[str], b: Sequence[str], budget: Budget, *, autojunk: bool
) -> list[tuple[str, int, int, int, int]] | None:
    """difflib opcodes for a and b, or None when the budget does not cover the search."""
    try:
        budget.charge(len(a) + len(b))  # indexing b, and the last pass over the matches
        return _BoundedMatcher(a, b, budget, autojunk=autojunk).get_opcodes()
    except _Overdrawn:
        budget.fallbacks += 1
        return None


def _common_ends(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """How many units a and b share at the start, and then at the end (one pass)."""
    most = min(len(a), len(b))
    head = 0
    while head < most and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < most - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def _removed(text: str) -> Markup:
    return Markup("<del>%s</del>") % text if text else Markup("")


def _added(text: str) -> Markup:
    return Markup("<ins>%s</ins>") % text if text else Markup("")


def _mark(
    a: list[str],
    b: list[str],
    budget: Budget,
    *,
    autojunk: bool,
    inner: Callable[[str, str, Budget], Markup] | None = None,
) -> Markup:
    """Marks for unit lists a → b; replaced runs go to `inner` (or are shown whole)."""
    head, tail = _common_ends(a, b)
    mid_a, mid_b = a[head : len(a) - tail], b[head : len(b) - tail]
    out = [escape("".join(a[:head]))]
    ops = _opcodes(mid_a, mid_b, budget, autojunk=autojunk) if mid_a and mid_b else None
    if ops is None:
        ops = [("replace", 0, len(mid_a), 0, len(mid_b))]
    for op, i1, i2, j1, j2 in ops:
        old, new = "".join(mid_a[i1:i2]), "".join(mid_b[j1:j2])
        if op == "equal":
            out.append(escape(old))
        elif op == "replace" and inner is not None:
            out.append(inner(old, new, budget))
        else:
            out.extend((_removed(old), _added(new)))
    out.append(escape("".join(a[len(a) - tail :])))
    return Markup("").join(out)


def _word_marks(old: str, new: str, budget: Budget) -> Markup:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    head, tail = _common_ends(a, b)
    if max(len(a), len(b)) - head - tail > 2 * WORD_SPAN_LIMIT:  # words and spaces
        # Too long to mark word by word: keep the shared ends, show the rest whole.
        return Markup("").join(
            (
                escape("".join(a[:head])),
                _removed("".join(a[head : len(a) - tail])),
                _added("".join(b[head : len(b) - tail])),
                escape("".join(a[len(a) - tail :])),
            )
        )
    return _mark(a, b, budget, autojunk=False)


def units(text: str) -> list[str]:
    """The text cut into sentences and lines, each with the space after it; joins back."""
    out, start = [], 0
    for end in _UNIT_END.finditer(text):
        out.append(text[start : end.end()])
        start = end.end()
    if start < len(text):
        out.append(text[start:])
    return out


def word_diff(old: str, new: str, *, budget: int | Budget = BUDGET) -> Markup:
    """Escaped HTML of the new text with removed passages in <del> and added in <ins>."""
    if not isinstance(budget, Budget):
        budget = Budget(budget)
    if old == new:
        return escape(new)
    # Sentence lists of a few hundred units: autojunk only sets aside sentences repeated
    # more than once in a hundred as anchors, which keeps repetitive texts cheap. Word
    # lists are short (WORD_SPAN_LIMIT) and compared with every word as a possible anchor.
    return _mark(units(old), units(new), budget, autojunk=True, inner=_word_marks)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def diff_revisions(
    old: VerdictRevision | None, new: VerdictRevision, *, budget: int | Budget = BUDGET
) -> list[FieldChange]:
    """What changed from `old` (None: nothing yet) to `new`, in a fixed field order.

    The claim page, the revision page, the editor's review page and the verdict editor's
    "changed meanwhile" notice all show this, so one pair always reads the same. A page
    that shows many pairs passes one Budget for all of them (PAGE_BUDGET), so its cost is
    bounded however many revisions a claim has.
    """
    before = revision_values(old) if old is not None else {}
    after = revision_values(new)
    shared = budget if isinstance(budget, Budget) else Budget(budget)
    changes = []
    for name, label in REVISION_FIELDS.items():
        a, b = _as_text(before.get(name)), _as_text(after.get(name))
        if a != b:
            fallbacks = shared.fallbacks
            marked = word_diff(a, b, budget=shared)
            changes.append(FieldChange(name, label, a, b, marked, shared.fallbacks > fallbacks))
    return changes
