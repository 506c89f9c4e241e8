"""Rulings out as CSV, streamed: never more than one batch of rows in memory.

The queries (queries.py) compute every cell in SQL. On PostgreSQL the server also encodes
the CSV (COPY ... TO STDOUT, pg_copy.py); elsewhere the DB-API cursor's rows go straight
to the csv module, a batch at a time (bench/bench_export.py measures both).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.errors import InvalidInput
from factcheck.export.queries import evidence_query, rulings_query

RULING_STATUSES = ("published", "retracted")
BATCH = 5000

# The CSV columns, in order (README, "Exporting rulings").
RULING_COLUMNS = (
    "ruling_id",
    "ruling_status",
    "claim_id",
    "claim_text",
    "claimant",
    "claimant_role",
    "date_claimed",
    "article_title",
    "article_url",
    "outlet",
    "sentence",
    "classifier_score",
    "model_version",
    "rating",
    "rating_value",
    "scale_min",
    "scale_max",
    "conclusion",
    "explanation",
    "evidence_urls",
    "fact_checker",
    "approving_editor",
    "approved_at",
    "published_at",
    "updated_at",
    "correction_notes",
    "ruling_url",
)
EVIDENCE_COLUMNS = (
    "ruling_id",
    "claim_id",
    "position",
    "url",
    "title",
    "publisher",
    "accessed_on",
    "note",
    "ruling_url",
)

# OWASP "CSV injection": a cell a spreadsheet would read as a formula is prefixed with a
# single quote, which spreadsheets show as text and never evaluate (export.sql.safe_text).


@dataclass(frozen=True)
class ExportFilters:
    """Which rulings to export; every field optional (the queue's filters, for rulings)."""

    statuses: tuple[str, ...] = ("published",)
    since: date | None = None
    until: date | None = None
    rating_id: int | None = None
    outlet_id: int | None = None
    claimant: str | None = None
    fact_checker_id: int | None = None
    editor_id: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.statuses) - set(RULING_STATUSES)
        if unknown:
            raise InvalidInput(
                f"Unknown ruling status: {', '.join(sorted(unknown))} (use published or retracted)."
            )
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("The start date is after the end date.")


def ruling_url(base_url: str, claim_id: int) -> str:
    return f"{base_url.rstrip('/')}/rulings/{claim_id}"


def csv_chunks(cursor: Any, header: Iterable[str], *, bom: bool = True) -> Iterator[str]:
    """A DB-API cursor's rows as CSV text (RFC 4180, CRLF line ends), a chunk per BATCH."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    yield buffer.getvalue()
    while batch := cursor.fetchmany(BATCH):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch)
        yield buffer.getvalue()


def _stream(
    session: so.Session, query: sa.Select, header: Iterable[str], bom: bool
) -> Iterator[str]:
    """The query's rows as CSV chunks. Rows are read from the DB-API cursor itself: every
    cell is already text or a number, so SQLAlchemy's per-row processing is skipped."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from factcheck.export.pg_copy import copy_chunks

        yield from _with_header(copy_chunks(connection, query), header, bom=bom)
        return
    # No stream_results: it would pre-buffer rows in SQLAlchemy, and a SQLite cursor
    # steps through the result lazily anyway.
    result = connection.execute(query)
    try:
        yield from csv_chunks(result.cursor, header, bom=bom)
    finally:
        result.close()


def _with_header(chunks: Iterator[str], header: Iterable[str], *, bom: bool) -> Iterator[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(list(header))
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    yield from chunks


def rulings_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[str]:
    """The rulings export (one row per ruling), streamed as CSV text."""
    return _stream(session, rulings_query(filters, base_url), RULING_COLUMNS, bom)


def evidence_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[str]:
    """The evidence export (one row per source), streamed as CSV text."""
    return _stream(session, evidence_query(filters, base_url), EVIDENCE_COLUMNS, bom)
