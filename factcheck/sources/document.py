"""A Document (text to ingest and what is known about it), plain text's metadata header
("Title: ...", "Date: 2024-12-03"), and the title a text without one is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from factcheck.errors import InvalidInput
from factcheck.sources.limits import ExtractionError
from factcheck.text.segment import segment
from factcheck.text.structure import BODY, HEADLINE, SUBHEAD


@dataclass(frozen=True)
class Document:
    """Text to ingest and what is known about it."""

    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    author: str | None = None
    published_on: date | None = None
    language: str | None = None
    # What the source's own markup says some paragraphs are: (paragraph text, kind) pairs,
    # e.g. from a Word document's paragraph styles; for segment(text, hints=dict(...)).
    hints: tuple[tuple[str, str], ...] = ()

    def with_defaults(self, **values: object) -> Document:
        """Fill in fields that are still empty (e.g. from a form or the command line)."""
        updates = {k: v for k, v in values.items() if v not in (None, "") and not getattr(self, k)}
        return replace(self, **updates)

    def with_overrides(self, **values: object) -> Document:
        """Replace fields with the given non-empty values."""
        return replace(self, **{k: v for k, v in values.items() if v not in (None, "")})


# What a person may say about a document beside its text (the ingest form's fields, an
# "ingest" job's payload "overrides"); each replaces what the source said when given.
OVERRIDE_FIELDS = ("title", "url", "outlet", "author", "published_on", "language")


def with_overrides(document: Document, overrides: Mapping[str, object] | None) -> Document:
    """The document with the given fields replaced (empty values leave a field alone);
    `published_on` may be a date or an ISO date string (as a job's JSON payload holds it).
    Shared by the ingest form and the "ingest" job."""
    values = {k: v for k, v in (overrides or {}).items() if k in OVERRIDE_FIELDS}
    published = values.get("published_on")
    if isinstance(published, str) and published:
        values["published_on"] = parse_date(published)
        if values["published_on"] is None:
            raise InvalidInput(f"The publication date {published[:20]!r} is not YYYY-MM-DD.")
    return document.with_overrides(**values)


TITLE_WORDS = 12


def guess_title(text: str) -> str:
    """The headline; when the text has none at its top, its first subhead; failing that,
    its first body sentence, cut to about TITLE_WORDS words. Never a caption, credit or
    byline; empty when the text has none of these."""
    spans = segment(text)
    for kind in (HEADLINE, SUBHEAD, BODY):
        found = next((s.text for s in spans if s.kind == kind), None)
        if found is not None:
            return _shorten(" ".join(found.split())) if kind == BODY else found
    return ""


def _shorten(sentence: str) -> str:
    """The sentence, or its first TITLE_WORDS words and an ellipsis."""
    words = sentence.split(" ")
    if len(words) <= TITLE_WORDS + 2:  # a word or two over is kept rather than cut
        return sentence
    return " ".join(words[:TITLE_WORDS]).rstrip(",;:–—-") + "…"


# A plain-text article may open with its own metadata, as wire copy and saved pages do:
# "Title: ...", "Date: 2024-12-03" and "By: ..." lines, or a bare "date 2024-12-03" before
# the first sentence (as in the shared seed article). Such a header becomes the document's
# metadata and leaves the text; a field seen twice, or a date that is not YYYY-MM-DD, ends it.
_HEADER_FIELDS = {
    "title": "title",
    "headline": "title",
    "date": "published_on",
    "published": "published_on",
    "author": "author",
    "by": "author",
    "byline": "author",
    "source": "outlet",
    "outlet": "outlet",
}
MAX_HEADER_VALUE = {"title": 300, "author": 120, "outlet": 120}
_HEADER_LINE = re.compile(
    rf"[ \t]*({'|'.join(_HEADER_FIELDS)})[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*(?:\n|$)", re.IGNORECASE
)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_BARE_DATE = re.compile(
    rf"[ \t]*(?:date|dated|published)[ \t]*:?[ \t]*({_ISO_DATE})(?=\s|$)\s*", re.IGNORECASE
)


def _header(text: str) -> tuple[str, dict[str, object]]:
    """The text without its metadata header, and the fields the header gave."""
    fields: dict[str, object] = {}
    rest = text.lstrip("\n")
    while True:
        if match := _HEADER_LINE.match(rest):
            field, value = _HEADER_FIELDS[match[1].lower()], match[2]
        elif match := _BARE_DATE.match(rest):
            field, value = "published_on", match[1]
        else:
            break
        if field in fields:
            break
        if field == "published_on":
            day = parse_date(value) if re.fullmatch(_ISO_DATE, value) else None
            if day is None:
                break
            fields[field] = day
        elif len(value) <= MAX_HEADER_VALUE[field]:
            fields[field] = value
        else:
            break  # not a header: a transcript's "SOURCE: ..." turn, say
        rest = rest[match.end() :]
    if not fields or not rest.strip():
        return text, {}  # no header, or nothing but one: the text is all there is
    return rest.lstrip("\n"), fields


def from_text(text: str) -> Document:
    """A pasted or plain-text document, with the metadata header it may open with."""
    if not text or not text.strip():
        raise ExtractionError("The text is empty.")
    body, fields = _header(text)
    return Document(text=body, **fields)  # type: ignore[arg-type]


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None
