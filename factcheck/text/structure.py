"""The kinds of text a news article holds (headline, byline, caption, credit, body, ...),
the Region of one kind that structure recognition yields, and what ingest asks of them.

The kinds follow the labelling guideline of the news evaluation set
(tests/data/news/GUIDELINE.md). Only body text is a candidate claim: a photo caption, a
credit line or a headline is never flagged. The rules that recognise the kinds are
factcheck.text.lines (one line by itself), factcheck.text.credits (credit lines) and
factcheck.text.layout (the whole text: classify).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

HEADLINE = "headline"
STANDFIRST = "standfirst"
SUBHEAD = "subhead"
SECTION = "section"
BYLINE = "byline"
DATELINE = "dateline"
UPDATE = "update"
CAPTION = "caption"
CREDIT = "credit"
BODY = "body"
KINDS = (HEADLINE, STANDFIRST, SUBHEAD, SECTION, BYLINE, DATELINE, UPDATE, CAPTION, CREDIT, BODY)
# Kinds whose text is prose and is split into sentences; the others are one span per line.
SENTENCE_KINDS = frozenset({BODY, CAPTION, STANDFIRST})


@dataclass(frozen=True)
class Region:
    """A trimmed stretch of the text, text[start:end], with its kind and paragraph number."""

    start: int
    end: int
    kind: str
    paragraph: int


class _HasKind(Protocol):
    """What has_body needs of a span (factcheck.text.segment.Span)."""

    @property
    def kind(self) -> str: ...

    @property
    def text(self) -> str: ...


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds without the whitespace at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- what ingest asks ---------------------------------------------------------------------


def has_body(spans: Iterable[_HasKind]) -> bool:
    """Whether any span is body text with a letter or digit in it (something to check)."""
    return any(s.kind == BODY and any(c.isalnum() for c in s.text) for s in spans)


def missing_body_message(spans: Sequence[_HasKind]) -> str | None:
    """Why a text cannot be ingested for lack of body sentences, or None when it has some."""
    if has_body(spans):
        return None
    kinds = sorted({s.kind for s in spans if any(c.isalnum() for c in s.text)}, key=KINDS.index)
    if not kinds:
        return "The text has no sentences to check (no letters or digits)."
    names = {
        HEADLINE: "a headline",
        STANDFIRST: "a standfirst",
        SUBHEAD: "subheadings",
        SECTION: "section labels",
        BYLINE: "a byline",
        DATELINE: "a dateline",
        UPDATE: "date stamps",
        CAPTION: "captions",
        CREDIT: "credit lines",
    }
    found = ", ".join(names[k] for k in kinds)
    return (
        f"The text has no story sentences to check: it holds only {found}. "
        "Paste the article's body text."
    )
