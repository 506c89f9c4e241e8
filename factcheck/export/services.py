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
from factcheck.export.sql import FORMULA_START, in_ids, iso_date, iso_timestamp, safe_text
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.models import EvidenceSource, Rating, RatingScale, VerdictRevision

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
# single quote, which spreadsheets show as text and never evaluate (factcheck.export.sql).


_FORMULA_CHARS = frozenset(FORMULA_START)


def neutralise(value: object) -> object:
    """Make a text cell safe to open in a spreadsheet; other values pass unchanged."""
    if isinstance(value, str) and value and value[0] in _FORMULA_CHARS:
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


def rulings_query(filters: ExportFilters) -> sa.Select:
    """The rulings with their own columns, formatted and made spreadsheet-safe in SQL
    (plain joins; the columns from other tables are added per batch by _Extras)."""
    editor = so.aliased(User)
    query = (
        sa.select(
            Ruling.id,
            Ruling.status,
            Claim.id,
            safe_text(VerdictRevision.claim_text),
            safe_text(VerdictRevision.claimant_name),
            safe_text(VerdictRevision.claimant_role),
            iso_date(VerdictRevision.claimed_on),
            safe_text(Article.title),
            Article.url,
            safe_text(Outlet.name),
            safe_text(Rating.label),
            Rating.value,
            RatingScale.min_value,
            RatingScale.max_value,
            safe_text(VerdictRevision.summary),
            safe_text(VerdictRevision.explanation),
            VerdictRevision.id,
            safe_text(editor.display_name),
            iso_timestamp(EditorialDecision.decided_at),
            iso_timestamp(Ruling.published_at),
            iso_timestamp(Ruling.updated_at),
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
    return apply_filters(query, filters)


class _Extras:
    """What one batch of rulings needs from other tables, fetched with one query each."""

    def __init__(self, session: so.Session, rows: list[sa.Row]) -> None:
        conn = session.connection()
        dialect = conn.dialect.name
        ruling_ids = [r[0] for r in rows]
        claim_ids = [r[2] for r in rows]
        revision_ids = [r[16] for r in rows]
        self.evidence: dict[int, list[str]] = {}
        for revision_id, url in conn.execute(
            sa.select(EvidenceSource.revision_id, EvidenceSource.url)
            .where(in_ids(EvidenceSource.revision_id, revision_ids, dialect))
            .order_by(EvidenceSource.revision_id, EvidenceSource.position)
        ).all():
            self.evidence.setdefault(revision_id, []).append(url)
        self.corrections: dict[int, list[str]] = {}
        for ruling_id, note in conn.execute(
            sa.select(Correction.ruling_id, Correction.note)
            .where(in_ids(Correction.ruling_id, ruling_ids, dialect))
            .order_by(Correction.ruling_id, Correction.created_at, Correction.id)
        ).all():
            self.corrections.setdefault(ruling_id, []).append(note)
        # The claim's first sentence (first article, first position) and its latest score.
        self.sentence: dict[int, tuple[int, str]] = {}
        for claim_id, sentence_id, text in conn.execute(
            sa.select(claim_sentences.c.claim_id, Sentence.id, Sentence.text)
            .join(Sentence, Sentence.id == claim_sentences.c.sentence_id)
            .where(in_ids(claim_sentences.c.claim_id, claim_ids, dialect))
            .order_by(
                claim_sentences.c.claim_id, Sentence.article_id.desc(), Sentence.position.desc()
            )
        ).all():
            self.sentence[claim_id] = (sentence_id, text)  # the last written is the first
        self.score: dict[int, tuple[float, str]] = {}
        sentence_ids = [sid for sid, _ in self.sentence.values()]
        if sentence_ids:
            for sentence_id, score, name, version in conn.execute(
                sa.select(
                    SentenceScore.sentence_id,
                    SentenceScore.score,
                    SentenceScore.model_name,
                    SentenceScore.model_version,
                )
                .where(in_ids(SentenceScore.sentence_id, sentence_ids, dialect))
                .order_by(SentenceScore.sentence_id, SentenceScore.scored_at, SentenceScore.id)
            ).all():
                self.score[sentence_id] = (score, f"{name} {version}")  # the latest wins
        # The fact-checker: author of the claim's first approved revision.
        self.checker: dict[int, str] = {}
        for claim_id, name in conn.execute(
            sa.select(VerdictRevision.claim_id, User.display_name)
            .join(EditorialDecision, EditorialDecision.revision_id == VerdictRevision.id)
            .join(User, User.id == VerdictRevision.author_id)
            .where(
                in_ids(VerdictRevision.claim_id, claim_ids, dialect),
                EditorialDecision.decision == "approved",
            )
            .order_by(
                VerdictRevision.claim_id,
                EditorialDecision.decided_at.desc(),
                EditorialDecision.id.desc(),
            )
        ).all():
            self.checker[claim_id] = name  # the last written is the first approval

    def row(self, r: sa.Row, prefix: str) -> list:
        sentence_id, sentence = self.sentence.get(r[2], (None, None))
        score, model = self.score.get(sentence_id, (None, None))
        return [
            *r[:10],
            neutralise(sentence),
            score,
            model,
            *r[10:16],
            " | ".join(self.evidence.get(r[16], ())),  # http(s) addresses only
            neutralise(self.checker.get(r[2])),
            *r[17:21],
            neutralise(" | ".join(self.corrections.get(r[0], ()))),
            f"{prefix}{r[2]}",
        ]


def apply_filters(query: sa.Select, filters: ExportFilters) -> sa.Select:
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
            safe_text(EvidenceSource.title),
            safe_text(EvidenceSource.publisher),
            iso_date(EvidenceSource.accessed_on),
            safe_text(EvidenceSource.note),
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
    return apply_filters(query, filters)


def csv_chunks(
    rows: Iterable[Iterable[object]], header: Iterable[str], *, bom: bool = True
) -> Iterator[str]:
    """Render rows as CSV text in chunks of about BATCH rows (RFC 4180, CRLF line ends).

    Cells are written as they come: the queries already format and neutralise them.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if bom:
        buffer.write("\ufeff")
    writer.writerow(header)
    batch: list = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    yield buffer.getvalue()


def ruling_rows(session: so.Session, filters: ExportFilters, base_url: str) -> Iterator[list]:
    """Rows in RULING_COLUMNS order, a batch at a time (plus one lookup query per batch)."""
    prefix = base_url.rstrip("/") + "/rulings/"
    query = rulings_query(filters).execution_options(stream_results=True, yield_per=BATCH)
    for batch in session.connection().execute(query).partitions(BATCH):
        extras = _Extras(session, batch)
        for r in batch:
            yield extras.row(r, prefix)


def evidence_rows(session: so.Session, filters: ExportFilters, base_url: str) -> Iterator[list]:
    prefix = base_url.rstrip("/") + "/rulings/"
    query = evidence_query(filters).execution_options(stream_results=True, yield_per=BATCH)
    for row in session.connection().execute(query):
        yield [*row, f"{prefix}{row[1]}"]


def rulings_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[str]:
    """The rulings export, streamed as CSV text (on PostgreSQL, by COPY)."""
    if session.get_bind().dialect.name == "postgresql":
        from factcheck.export.pg_copy import copy_chunks

        return _with_header(copy_chunks(session, filters, base_url), RULING_COLUMNS, bom=bom)
    return csv_chunks(
        ruling_rows(session, filters, base_url),
        RULING_COLUMNS,
        bom=bom,
    )


def _with_header(chunks: Iterator[str], header: Iterable[str], *, bom: bool) -> Iterator[str]:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(list(header))
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    yield from chunks


def evidence_csv(
    session: so.Session, filters: ExportFilters, *, base_url: str, bom: bool = True
) -> Iterator[str]:
    """The evidence export (one row per source), streamed as CSV text."""
    return csv_chunks(
        evidence_rows(session, filters, base_url),
        EVIDENCE_COLUMNS,
        bom=bom,
    )
