"""Rulings out as CSV, streamed: never more than one batch of rows in memory.

The same path on every database: the export query (queries.py), read BATCH rows at a time
(yield_per), each value made a cell (cell: formula neutralising, ISO 8601 dates), written
by the csv module and encoded as UTF-8. bench/bench_export.py measures it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.editorial.models import RULING_STATUSES
from factcheck.errors import InvalidInput
from factcheck.export.queries import evidence_query, rulings_query

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


# OWASP "CSV injection": a cell a spreadsheet would evaluate starts with one of these, or
# with their full-width and small-form look-alikes, which some spreadsheets also read as
# operators ("＝1+1", "﹦1+1"). Such a cell is prefixed with a single quote, which
# spreadsheets show as text and never evaluate.
FORMULA_START = (
    "=", "+", "-", "@", "\t", "\r",
    "\uff1d", "\ufe66", "\uff0b", "\ufe62", "\uff0d", "\ufe63", "\uff20", "\ufe6b",
)  # fmt: skip
# Invisible characters that can hide a formula start ("\u200b=1+1"): looked past.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
UTF8_BOM = "\ufeff"


def safe_text(text: str) -> str:
    """The text, prefixed with ' when a spreadsheet would read it as a formula."""
    return "'" + text if text.lstrip(ZERO_WIDTH).startswith(FORMULA_START) else text


def cell(value: object) -> object:
    """A query value as a CSV cell: text spreadsheet-safe, dates and UTC times in ISO 8601,
    NULL empty; numbers as they are (csv.writer writes str(value))."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, datetime):  # aware UTC (factcheck.db.UTCDateTime)
        return f"{value:%Y-%m-%dT%H:%M:%SZ}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _stream(
    session: so.Session,
    query: sa.Select,
    header: Iterable[str],
    bom: bool,
    on_rows: Callable[[int], object] | None = None,
) -> Iterator[bytes]:
    """The header, then the query's rows, as UTF-8 CSV (RFC 4180: quoted where needed,
    CRLF line ends), a chunk per BATCH rows fetched from a streaming cursor. `on_rows` is
    told how many rows each chunk holds (a progress bar, a count)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def chunk() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode()

    if bom:
        buffer.write(UTF8_BOM)
    writer.writerow(header)
    yield chunk()
    # yield_per: a server-side cursor on PostgreSQL, BATCH rows at a time everywhere.
    with session.execute(query, execution_options={"yield_per": BATCH}) as result:
        for rows in result.partitions():
            writer.writerows([cell(value) for value in row] for row in rows)
            if on_rows is not None:
                on_rows(len(rows))
            yield chunk()


def rulings_csv(
    session: so.Session,
    filters: ExportFilters,
    *,
    base_url: str,
    bom: bool = True,
    on_rows: Callable[[int], object] | None = None,
) -> Iterator[bytes]:
    """The rulings export (one row per ruling), streamed as UTF-8 CSV."""
    return _stream(session, rulings_query(filters, base_url), RULING_COLUMNS, bom, on_rows)


def evidence_csv(
    session: so.Session,
    filters: ExportFilters,
    *,
    base_url: str,
    bom: bool = True,
    on_rows: Callable[[int], object] | None = None,
) -> Iterator[bytes]:
    """The evidence export (one row per source), streamed as UTF-8 CSV."""
    return _stream(session, evidence_query(filters, base_url), EVIDENCE_COLUMNS, bom, on_rows)


# Exports as files made by a job (factcheck.tasks.kinds.export) ---------------------------

# What an export file holds: one row per ruling, one per evidence source, or one
# ClaimReview object per published ruling.
EXPORT_FORMATS = ("rulings", "evidence", "claimreview")
_SUFFIX = {"rulings": "csv", "evidence": "csv", "claimreview": "jsonl"}
# Its media type (the download's Content-Type).
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def export_rows(
    session: so.Session, filters: ExportFilters, fmt: str, *, at_most: int | None = None
) -> int:
    """How many rows (CSV records, or ClaimReview objects) an export holds; with `at_most`,
    counting stops past that many (the answer is then at_most + 1), so checking a bound
    costs no more than reading that many rows."""
    from factcheck.export.queries import claim_review_query

    if fmt == "claimreview":
        filters = replace(filters, statuses=("published",))
        query = claim_review_query(filters)
    elif fmt == "evidence":
        query = evidence_query(filters, "")
    else:
        query = rulings_query(filters, "")
    if at_most is not None:
        query = query.limit(at_most + 1)
    return session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


def export_name(fmt: str, now: datetime) -> str:
    """The file's name, as the direct download names it."""
    return f"{fmt}-{now:%Y%m%d-%H%M}.{_SUFFIX[fmt]}"


def filters_to_payload(filters: ExportFilters) -> dict[str, Any]:
    """The filters as JSON (a job's payload)."""
    data = dict(filters.__dict__)
    data["statuses"] = list(filters.statuses)
    for key in ("since", "until"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def filters_from_payload(data: Mapping[str, Any]) -> ExportFilters:
    """filters_to_payload's inverse; raises InvalidInput for a payload that is not one."""
    try:
        return ExportFilters(
            statuses=tuple(data.get("statuses") or ("published",)),
            since=date.fromisoformat(data["since"]) if data.get("since") else None,
            until=date.fromisoformat(data["until"]) if data.get("until") else None,
            rating_id=data.get("rating_id"),
            outlet_id=data.get("outlet_id"),
            claimant=data.get("claimant"),
            fact_checker_id=data.get("fact_checker_id"),
            editor_id=data.get("editor_id"),
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"The export's filters are not valid ({exc}).") from exc
