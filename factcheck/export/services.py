"""Rulings out as CSV, streamed: never more than one batch of rows in memory.

The queries (queries.py) compute every cell in SQL. On PostgreSQL the server also encodes
the CSV (COPY ... TO STDOUT, pg_copy.py); elsewhere the DB-API cursor's rows, read as
bytes, are encoded a batch at a time by csv_chunks (bench/bench_export.py measures both).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
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


# Ruling links in development when neither PUBLIC_BASE_URL nor SERVER_NAME is set (the
# address `flask run` serves on). Production refuses to start without PUBLIC_BASE_URL.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000/"


def public_base_url(config: Mapping[str, Any]) -> str:
    """Where readers reach this installation: PUBLIC_BASE_URL, else SERVER_NAME, else the
    development address. Never the request's Host header, which any client chooses."""
    if base := str(config.get("PUBLIC_BASE_URL") or "").strip():
        return base
    if server := config.get("SERVER_NAME"):
        return f"{config.get('PREFERRED_URL_SCHEME') or 'http'}://{server}/"
    return DEVELOPMENT_BASE_URL


def ruling_url(base_url: str, claim_id: int) -> str:
    return f"{base_url.rstrip('/')}/rulings/{claim_id}"


# Quoting every cell lets a whole batch be encoded with a few C-speed bytes operations:
# the cells are joined with two separator bytes no text should hold, quotes are doubled,
# then the separators become `","` and `"CRLF"`. Should a cell hold a separator byte after
# all, the separator counts give it away and that batch goes through the csv module
# instead, with the same quoting. (The csv module alone costs three times as much a row.)
_CELL, _ROW = b"\x00", b"\x01"
UTF8_BOM = "\ufeff".encode()


def csv_chunks(cursor: Any, width: int) -> Iterator[bytes]:
    """A DB-API cursor's rows, every cell text (bytes) and none NULL, as UTF-8 CSV (RFC
    4180: every cell quoted, CRLF line ends), a chunk per BATCH of rows."""
    while batch := cursor.fetchmany(BATCH):
        body = _ROW.join([_CELL.join(row) for row in batch])
        if body.count(_CELL) == len(batch) * (width - 1) and body.count(_ROW) == len(batch) - 1:
            body = body.replace(b'"', b'""').replace(_CELL, b'","').replace(_ROW, b'"\r\n"')
            yield b'"' + body + b'"\r\n'
        else:
            yield _csv_module(batch)


def _csv_module(batch: list[tuple[bytes, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerows([cell.decode() for cell in row] for row in batch)
    return buffer.getvalue().encode()


def _as_text(query: sa.Select) -> sa.Select:
    """The query with every cell as text and NULL as the empty string."""
    return query.with_only_columns(
        *(
            sa.func.coalesce(c if isinstance(c.type, sa.String) else sa.cast(c, sa.Text), "")
            for c in query.selected_columns
        ),
        maintain_column_froms=True,
    )


def _stream(
    session: so.Session, query: sa.Select, header: Iterable[str], bom: bool
) -> Iterator[bytes]:
    """The header, then the query's rows, as UTF-8 CSV chunks. PostgreSQL encodes the rows
    itself (COPY); elsewhere they come from the DB-API cursor as bytes, skipping the
    decoding of every cell and SQLAlchemy's per-row processing."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(list(header))
    yield (UTF8_BOM if bom else b"") + buffer.getvalue().encode()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from factcheck.export.pg_copy import copy_chunks

        yield from copy_chunks(connection, query)
        return
    raw = connection.connection.dbapi_connection
    text_factory = raw.text_factory
    # No stream_results: it would pre-buffer rows in SQLAlchemy, and a SQLite cursor
    # steps through the result lazily anyway.
    result = connection.execute(_as_text(query))
    raw.text_factory = bytes
    try:
        yield from csv_chunks(result.cursor, len(query.selected_columns))
    finally:
        raw.text_factory = text_factory
        result.close()


def rulings_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[bytes]:
    """The rulings export (one row per ruling), streamed as UTF-8 CSV."""
    return _stream(session, rulings_query(filters, base_url), RULING_COLUMNS, bom)


def evidence_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[bytes]:
    """The evidence export (one row per source), streamed as UTF-8 CSV."""
    return _stream(session, evidence_query(filters, base_url), EVIDENCE_COLUMNS, bom)
