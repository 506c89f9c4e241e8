"""Rulings out as CSV: one streamed query, rows written as they arrive.

The query selects plain columns (no ORM objects) with correlated subqueries for the
evidence, the source sentence, its score and the correction notes, and is executed with
`yield_per`, which on PostgreSQL uses a server-side cursor: memory stays flat however
many rulings there are (bench/bench_export.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.auth.models import User
from factcheck.claims.models import Claim, Sentence, SentenceScore, claim_sentences
from factcheck.editorial.models import Correction, EditorialDecision, Ruling
from factcheck.errors import InvalidInput
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.models import EvidenceSource, Rating, RatingScale, VerdictRevision

RULING_STATUSES = ("published", "retracted")
BATCH = 2000

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
# single quote, which spreadsheets show as text and never evaluate.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Make a text cell safe to open in a spreadsheet; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def ruling_url(base_url: str, claim_id: int) -> str:
    return f"{base_url.rstrip('/')}/rulings/{claim_id}"


def _first_decision_author():  # noqa: ANN202
    """The fact-checker: author of the first approved revision of the claim."""
    first_rev = so.aliased(VerdictRevision)
    first_dec = so.aliased(EditorialDecision)
    return (
        sa.select(User.display_name)
        .select_from(first_dec)
        .join(first_rev, first_rev.id == first_dec.revision_id)
        .join(User, User.id == first_rev.author_id)
        .where(first_rev.claim_id == Ruling.claim_id, first_dec.decision == "approved")
        .order_by(first_dec.decided_at, first_dec.id)
        .limit(1)
        .scalar_subquery()
    )


def rulings_query(filters: ExportFilters) -> sa.Select:
    """One row per ruling, columns in RULING_COLUMNS order (ruling_url added by the writer)."""
    editor = so.aliased(User)
    first_sentence = (
        sa.select(Sentence.id)
        .join(claim_sentences, claim_sentences.c.sentence_id == Sentence.id)
        .where(claim_sentences.c.claim_id == Claim.id)
        .order_by(Sentence.article_id, Sentence.position)
        .limit(1)
        .scalar_subquery()
    )
    latest_score = (
        sa.select(SentenceScore.id)
        .where(SentenceScore.sentence_id == first_sentence)
        .order_by(SentenceScore.scored_at.desc(), SentenceScore.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    evidence = (
        sa.select(sa.func.aggregate_strings(EvidenceSource.url, " | "))
        .where(EvidenceSource.revision_id == VerdictRevision.id)
        .scalar_subquery()
    )
    corrections = (
        sa.select(sa.func.aggregate_strings(Correction.note, " | "))
        .where(Correction.ruling_id == Ruling.id)
        .scalar_subquery()
    )
    query = (
        sa.select(
            Ruling.id,
            Ruling.status,
            Claim.id,
            VerdictRevision.claim_text,
            VerdictRevision.claimant_name,
            VerdictRevision.claimant_role,
            VerdictRevision.claimed_on,
            Article.title,
            Article.url,
            Outlet.name,
            sa.select(Sentence.text).where(Sentence.id == first_sentence).scalar_subquery(),
            sa.select(SentenceScore.score)
            .where(SentenceScore.id == latest_score)
            .scalar_subquery(),
            sa.select(SentenceScore.model_name + " " + SentenceScore.model_version)
            .where(SentenceScore.id == latest_score)
            .scalar_subquery(),
            Rating.label,
            Rating.value,
            RatingScale.min_value,
            RatingScale.max_value,
            VerdictRevision.summary,
            VerdictRevision.explanation,
            evidence,
            _first_decision_author(),
            editor.display_name,
            EditorialDecision.decided_at,
            Ruling.published_at,
            Ruling.updated_at,
            corrections,
        )
        .select_from(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .join(editor, editor.id == EditorialDecision.editor_id)
        .outerjoin(Rating, Rating.id == VerdictRevision.rating_id)
        .outerjoin(RatingScale, RatingScale.id == Rating.scale_id)
        .outerjoin(Article, Article.id == Claim.article_id)
        .outerjoin(Outlet, Outlet.id == Article.outlet_id)
        .where(Ruling.status.in_(filters.statuses))
        .order_by(Ruling.published_at, Ruling.id)
    )
    return _filtered(query, filters)


def _filtered(query: sa.Select, filters: ExportFilters) -> sa.Select:
    if filters.since:
        query = query.where(Ruling.published_at >= _day_start(filters.since))
    if filters.until:
        query = query.where(Ruling.published_at < _day_start(filters.until + timedelta(days=1)))
    if filters.rating_id is not None:
        query = query.where(VerdictRevision.rating_id == filters.rating_id)
    if filters.outlet_id is not None:
        query = query.where(Article.outlet_id == filters.outlet_id)
    if filters.claimant:
        pattern = "%" + filters.claimant.replace("\\", "\\\\").replace("%", "\\%") + "%"
        query = query.where(VerdictRevision.claimant_name.ilike(pattern, escape="\\"))
    if filters.editor_id is not None:
        query = query.where(EditorialDecision.editor_id == filters.editor_id)
    if filters.fact_checker_id is not None:
        first_rev = so.aliased(VerdictRevision)
        query = query.where(
            sa.exists().where(
                first_rev.claim_id == Ruling.claim_id,
                first_rev.author_id == filters.fact_checker_id,
                first_rev.submitted_at.is_not(None),
            )
        )
    return query


def evidence_query(filters: ExportFilters) -> sa.Select:
    """One row per evidence source of each exported ruling's current revision."""
    query = (
        sa.select(
            Ruling.id,
            Claim.id,
            EvidenceSource.position,
            EvidenceSource.url,
            EvidenceSource.title,
            EvidenceSource.publisher,
            EvidenceSource.accessed_on,
            EvidenceSource.note,
        )
        .select_from(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .join(EvidenceSource, EvidenceSource.revision_id == VerdictRevision.id)
        .outerjoin(Article, Article.id == Claim.article_id)
        .where(Ruling.status.in_(filters.statuses))
        .order_by(Ruling.published_at, Ruling.id, EvidenceSource.position)
    )
    return _filtered(query, filters)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}"
    return neutralise(value)


def _stream(session: so.Session, query: sa.Select) -> Iterator[sa.Row]:
    result = session.execute(query.execution_options(yield_per=BATCH))
    yield from result


def csv_chunks(
    rows: Iterable[Iterable[object]], header: Iterable[str], *, bom: bool = True
) -> Iterator[str]:
    """Render rows as CSV text in chunks of about BATCH rows (RFC 4180, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in row])
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def ruling_rows(session: so.Session, filters: ExportFilters, base_url: str) -> Iterator[list]:
    for row in _stream(session, rulings_query(filters)):
        yield [*row, ruling_url(base_url, row[2])]


def evidence_rows(session: so.Session, filters: ExportFilters, base_url: str) -> Iterator[list]:
    for row in _stream(session, evidence_query(filters)):
        yield [*row, ruling_url(base_url, row[1])]


def rulings_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[str]:
    """The rulings export, streamed as CSV text."""
    return csv_chunks(ruling_rows(session, filters, base_url), RULING_COLUMNS, bom=bom)


def evidence_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[str]:
    """The evidence export (one row per source), streamed as CSV text."""
    return csv_chunks(evidence_rows(session, filters, base_url), EVIDENCE_COLUMNS, bom=bom)
