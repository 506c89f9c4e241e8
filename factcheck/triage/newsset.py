"""The news evaluation set: articles as pasted, labelled sentence by sentence.

A folder of `NN-slug.txt` (the text as a user pastes it) and `NN-slug.tsv` (rows
`kind<TAB>flag<TAB>text` in text order; the guideline is in the README and in the folder's
GUIDELINE.md). Each row's text is located in the article, so labels stay attached to
character spans whatever the sentence splitter does; a span of the pipeline takes the label
of the row it overlaps most.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from factcheck.claims.models import SENTENCE_KINDS
from factcheck.classifier.data import DataError

KINDS = SENTENCE_KINDS


@dataclass(frozen=True)
class LabelledRow:
    """One labelled sentence or structural line, with its place in the article."""

    start: int
    end: int
    kind: str
    flag: int
    text: str


@dataclass(frozen=True)
class NewsArticle:
    """One article of the set."""

    name: str
    text: str
    rows: list[LabelledRow]

    def label_of(self, start: int, end: int) -> LabelledRow | None:
        """The row a span [start, end) overlaps most (None when it overlaps none)."""
        best, overlap = None, 0
        for row in self.rows:
            shared = min(end, row.end) - max(start, row.start)
            if shared > overlap:
                best, overlap = row, shared
        return best


def read_article(txt: Path) -> NewsArticle:
    """Read one article and its labels; refuse labels that do not match the text."""
    tsv = txt.with_suffix(".tsv")
    try:
        text = txt.read_text("utf-8")
        with tsv.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh, delimiter="\t")
            if reader.fieldnames != ["kind", "flag", "text"]:
                raise DataError(f"{tsv}: the header must be kind, flag, text")
            raw = list(reader)
    except FileNotFoundError as exc:
        raise DataError(f"{exc.filename}: no such file") from exc
    rows, cursor = [], 0
    for line, row in enumerate(raw, start=2):
        if row["kind"] not in KINDS or row["flag"] not in ("0", "1"):
            raise DataError(f"{tsv}:{line}: unknown kind or flag {row['kind']!r} {row['flag']!r}")
        if row["flag"] == "1" and row["kind"] != "body":
            raise DataError(f"{tsv}:{line}: only body sentences can be flagged")
        start = text.find(row["text"], cursor)
        if start < 0:
            raise DataError(f"{tsv}:{line}: this text is not in {txt.name} (in order)")
        cursor = start + len(row["text"])
        rows.append(LabelledRow(start, cursor, row["kind"], int(row["flag"]), row["text"]))
    return NewsArticle(txt.stem, text, rows)


def read_news_set(folder: Path | str) -> list[NewsArticle]:
    """Every article of the folder, in name order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder")
    articles = [read_article(path) for path in sorted(folder.glob("*.txt"))]
    if not articles:
        raise DataError(f"{folder}: no labelled articles (NN-slug.txt + NN-slug.tsv)")
    return articles
