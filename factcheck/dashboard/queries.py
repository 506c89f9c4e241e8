"""The dashboard's figures, aggregated in the database. Nothing here writes.

Each read groups in SQL (by UTC day, status, person, claimant, outlet, rating, score band)
and returns a bounded number of rows whatever the number of claims: at most one a day of
the period (MAX_DAYS), TOP_N names, MAX_PEOPLE people, SCORE_BINS bands. The same queries
run on SQLite and PostgreSQL; the three expressions that differ (a timestamp's UTC day,
the seconds between two timestamps, a score's band) come from the helpers below. Grouped
expressions carry no bound parameters (PostgreSQL would see `f($1)` and `f($2)` as two
different expressions), so constants in them are literal SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from factcheck.audit.models import AuditEntry
from factcheck.auth.models import User
from factcheck.claims.models import Claim, Sentence, SentenceScore
from factcheck.editorial.models import EditorialDecision, Ruling
from factcheck.errors import InvalidInput
from factcheck.review.models import Assignment
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts.models import Rating, VerdictRevision

# Bounds of every read (README, "Dashboard").
MAX_DAYS = 731  # two years, a leap day included
TOP_N = 10
MAX_PEOPLE = 20
SCORE_BINS = 20  # bands of 0.05

# The audit action of a verdict submitted for approval (factcheck.verdicts.services.submit).
SUBMIT_ACTION = "verdict.submit"


@dataclass(frozen=True)
class Period:
    """The days a dashboard shows, both ends included, in UTC."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise InvalidInput("The start date is after the end date.")
        if self.days > MAX_DAYS:
            raise InvalidInput(
                f"The range covers {self.days:,} days; at most {MAX_DAYS} (two years) can be "
                "shown at once."
            )

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def start(self) -> datetime:
        """Midnight UTC at the start of the first day."""
        return datetime.combine(self.since, time(), UTC)

    @property
    def end(self) -> datetime:
        """Midnight UTC after the last day (excluded)."""
        return datetime.combine(self.until + timedelta(days=1), time(), UTC)

    def dates(self) -> list[date]:
        return [self.since + timedelta(days=i) for i in range(self.days)]


# --- What differs between SQLite and PostgreSQL ---------------------------------------------


def dialect_of(session: so.Session) -> str:
    return session.get_bind().dialect.name


def utc_day(column: sa.ColumnElement, dialect: str) -> sa.ColumnElement[str]:
    """The UTC day of a stored time as 'YYYY-MM-DD' text.

    SQLite stores UTCDateTime values as UTC text ('2026-11-30 13:11:13.720976'), so the day
    is its first ten characters; PostgreSQL converts the timestamptz to UTC first."""
    if dialect == "postgresql":
        utc = sa.func.timezone(sa.literal_column("'UTC'"), column)
        return sa.func.to_char(utc, sa.literal_column("'YYYY-MM-DD'"))
    return sa.func.substr(column, sa.literal_column("1"), sa.literal_column("10"))


def seconds_between(later: sa.ColumnElement, earlier: sa.ColumnElement, dialect: str):  # noqa: ANN201
    """Seconds from `earlier` to `later`, as a float."""
    if dialect == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * sa.literal_column("86400.0")


def score_band(score: sa.ColumnElement, dialect: str) -> sa.ColumnElement[int]:
    """The band of a score in [0, 1]: 0 .. SCORE_BINS (1.0 itself; callers fold it into the
    last band). SQLite's CAST truncates, which for a non-negative number is floor();
    PostgreSQL's rounds, so it takes floor() first."""
    scaled = score * sa.literal_column(str(SCORE_BINS))
    if dialect == "postgresql":
        return sa.cast(sa.func.floor(scaled), sa.Integer)
    return sa.cast(scaled, sa.Integer)


def _date(text: str) -> date:
    return date.fromisoformat(text)


# --- Claims flagged, and the queue over time ------------------------------------------------


def claims_created_by_day(session: so.Session, since: datetime) -> dict[date, int]:
    """How many claims were created (flagged by the classifier or promoted by a person) on
    each UTC day from `since` to now (ix_claims_created_at)."""
    day = utc_day(Claim.created_at, dialect_of(session))
    inner = sa.select(day.label("day")).where(Claim.created_at >= since).subquery()
    rows = session.execute(sa.select(inner.c.day, sa.func.count()).group_by(inner.c.day))
    return {_date(d): n for d, n in rows}


def stored_status_counts(session: so.Session) -> dict[str, int]:
    """How many claims hold each stored status now (the status index, read alone)."""
    rows = session.execute(sa.select(Claim.status, sa.func.count()).group_by(Claim.status))
    return {status: n for status, n in rows}


@dataclass(frozen=True)
class StatusChange:
    day: date
    old: str
    new: str
    count: int


def status_changes_by_day(session: so.Session, since: datetime) -> list[StatusChange]:
    """The claims' status changes from `since` to now, counted per UTC day and (old, new)
    pair, from the audit entries that record them ({"status": [old, new]}).

    Every status change the app makes is audited with its old and new status except a lease
    moving a claim between new and in review (take, assign, release, expiry), which the
    dashboard counts as one state, "waiting"."""
    dialect = dialect_of(session)
    old = AuditEntry.changes[("status", 0)].as_string()
    new = AuditEntry.changes[("status", 1)].as_string()
    inner = (
        sa.select(
            utc_day(AuditEntry.occurred_at, dialect).label("day"),
            old.label("old"),
            new.label("new"),
        )
        # `entity_type || ''`: SQLite would otherwise walk the (entity_type, entity_id) index
        # over every claim entry ever written (136 ms for 30 days of a 100k-claim desk,
        # against 7 ms by the time index; bench/bench_dashboard.py).
        .where(AuditEntry.entity_type.concat("") == "claim", AuditEntry.occurred_at >= since)
        .subquery()
    )
    rows = session.execute(
        sa.select(inner.c.day, inner.c.old, inner.c.new, sa.func.count())
        .where(inner.c.new.is_not(None))
        .group_by(inner.c.day, inner.c.old, inner.c.new)
    )
    return [StatusChange(_date(d), o, n, c) for d, o, n, c in rows if o]


def statuses_by_day(
    current: dict[str, int],
    created: dict[date, int],
    changes: Sequence[StatusChange],
    days: Sequence[date],
    *,
    initial: str = "new",
) -> dict[date, dict[str, int]]:
    """How many claims held each status at the end of each of `days`, worked back from the
    counts now: a claim created after a day did not exist then, and a change after it is
    undone (one less in its new status, one more in its old). Pure arithmetic, no query."""
    after: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, n in created.items():
        after[day][initial] += n
    for change in changes:
        after[change.day][change.new] += change.count
        after[change.day][change.old] -= change.count
    counts = dict(current)
    out: dict[date, dict[str, int]] = {}
    later_days = sorted((d for d in after if d > days[-1]), reverse=True) if days else []
    for day in later_days:  # back from now to the end of the last day shown
        for status, delta in after[day].items():
            counts[status] = counts.get(status, 0) - delta
    for day in reversed(days):
        out[day] = dict(counts)
        for status, delta in after.get(day, {}).items():
            counts[status] = counts.get(status, 0) - delta
    return out


# --- Rulings ------------------------------------------------------------------------------


def _published_in(period: Period) -> list[sa.ColumnElement[bool]]:
    """Rulings published in the period and not retracted since (ix_rulings_published_at)."""
    return [
        Ruling.status == "published",
        Ruling.published_at >= period.start,
        Ruling.published_at < period.end,
    ]


@dataclass(frozen=True)
class RatingCount:
    label: str
    count: int


def rulings_by_rating(session: so.Session, period: Period) -> list[RatingCount]:
    """Published rulings by the rating they show now, in the scales' order."""
    rows = session.execute(
        sa.select(Rating.label, sa.func.count())
        .select_from(Ruling)
        .join(EditorialDecision, EditorialDecision.id == Ruling.decision_id)
        .join(VerdictRevision, VerdictRevision.id == EditorialDecision.revision_id)
        .outerjoin(Rating, Rating.id == VerdictRevision.rating_id)
        .where(*_published_in(period))
        .group_by(Rating.id, Rating.label, Rating.scale_id, Rating.position)
        .order_by(Rating.scale_id, Rating.position, Rating.id)
    )
    return [RatingCount(label or "No rating", n) for label, n in rows]


@dataclass(frozen=True)
class PublishTimes:
    """Seconds from a claim's flagging to its ruling's publication, over the period's
    rulings: how many, the median and the 90th percentile (nearest rank)."""

    count: int
    median: float | None
    p90: float | None


def _flag_to_publish(period: Period, dialect: str) -> sa.Subquery:
    seconds = seconds_between(Ruling.published_at, Claim.created_at, dialect)
    return (
        sa.select(seconds.label("seconds"))
        .select_from(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .where(*_published_in(period))
        .subquery()
    )


def publish_times(session: so.Session, period: Period) -> PublishTimes:
    """The median and 90th percentile of flag-to-publish times, in one statement: the
    durations ranked by a window function, and only the two or three rows at the ranks
    wanted sent back (no percentile function on SQLite; the same SQL on both)."""
    durations = _flag_to_publish(period, dialect_of(session))
    ranked = sa.select(
        durations.c.seconds,
        sa.func.row_number().over(order_by=durations.c.seconds).label("rank"),
        sa.func.count().over().label("n"),
    ).subquery()
    n, rank = ranked.c.n, ranked.c.rank
    one, two, nine, ten = (sa.literal_column(str(v), sa.Integer) for v in (1, 2, 9, 10))
    rows = session.execute(
        sa.select(ranked.c.rank, ranked.c.n, ranked.c.seconds).where(
            rank.in_([(n + one) // two, (n + two) // two, (n * nine + nine) // ten])
        )
    ).all()
    if not rows:
        return PublishTimes(0, None, None)
    count = int(rows[0].n)
    at = {int(r.rank): float(r.seconds) for r in rows}
    median = (at[(count + 1) // 2] + at[(count + 2) // 2]) / 2
    return PublishTimes(count, median, at[(9 * count + 9) // 10])


# Upper bounds (seconds) of the flag-to-publish bands; the last band is open.
DAY = 86_400
PUBLISH_BANDS: tuple[tuple[str, float | None], ...] = (
    ("< 1 day", DAY),
    ("1–2 days", 2 * DAY),
    ("2–3 days", 3 * DAY),
    ("3–7 days", 7 * DAY),
    ("1–2 weeks", 14 * DAY),
    ("2–4 weeks", 28 * DAY),
    ("4+ weeks", None),
)


def publish_time_bands(session: so.Session, period: Period) -> list[int]:
    """How many of the period's rulings took each PUBLISH_BANDS time from flag to publish."""
    durations = _flag_to_publish(period, dialect_of(session))
    band = sa.case(
        *(
            (durations.c.seconds < sa.literal_column(str(upper)), sa.literal_column(str(i)))
            for i, (_, upper) in enumerate(PUBLISH_BANDS)
            if upper is not None
        ),
        else_=sa.literal_column(str(len(PUBLISH_BANDS) - 1)),
    )
    banded = sa.select(band.label("band")).subquery()
    counts = dict(
        session.execute(sa.select(banded.c.band, sa.func.count()).group_by(banded.c.band)).all()
    )
    return [int(counts.get(i, 0)) for i in range(len(PUBLISH_BANDS))]


# --- People ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Work:
    """One person's work in the period."""

    user_id: int
    name: str
    taken: int  # claims they took or were assigned (distinct claims)
    submitted: int  # verdicts they submitted for approval (resubmissions count)
    published: int  # rulings published with them as the fact-checker

    @property
    def total(self) -> int:
        return self.taken + self.submitted + self.published


def work_by_person(session: so.Session, period: Period, *, limit: int = MAX_PEOPLE) -> list[Work]:
    """Claims taken, verdicts submitted and rulings published per person, in one statement
    (three grouped reads joined to the people), the busiest `limit` first."""
    # Grouped by `assignee_id + 0`: grouping by the bare column makes SQLite walk the
    # (assignee, released) index and look up every row, 4x slower than reading the table.
    assignee = (Assignment.assignee_id + sa.literal_column("0", sa.Integer)).label("user_id")
    taken = (
        sa.select(
            sa.literal_column("'taken'").label("kind"),
            assignee,
            sa.func.count(sa.distinct(Assignment.claim_id)).label("n"),
        )
        .where(Assignment.assigned_at >= period.start, Assignment.assigned_at < period.end)
        .group_by(assignee)
    )
    submitted = (
        sa.select(
            sa.literal_column("'submitted'"),
            AuditEntry.actor_id,
            sa.func.count(),
        )
        .where(
            AuditEntry.occurred_at >= period.start,
            AuditEntry.occurred_at < period.end,
            AuditEntry.action == SUBMIT_ACTION,
            AuditEntry.actor_id.is_not(None),
        )
        .group_by(AuditEntry.actor_id)
    )
    published = (
        sa.select(sa.literal_column("'published'"), Ruling.fact_checker_id, sa.func.count())
        .where(*_published_in(period))
        .group_by(Ruling.fact_checker_id)
    )
    work = sa.union_all(taken, submitted, published).subquery()
    rows = session.execute(
        sa.select(work.c.kind, work.c.user_id, work.c.n, User.display_name).join(
            User, User.id == work.c.user_id
        )
    )
    people: dict[int, dict[str, object]] = {}
    for kind, user_id, n, name in rows:
        person = people.setdefault(user_id, {"name": name})
        person[kind] = int(n)
    result = [
        Work(
            user_id,
            str(p["name"]),
            int(p.get("taken", 0)),  # type: ignore[call-overload]
            int(p.get("submitted", 0)),  # type: ignore[call-overload]
            int(p.get("published", 0)),  # type: ignore[call-overload]
        )
        for user_id, p in people.items()
    ]
    result.sort(key=lambda w: (-w.total, w.name.casefold(), w.user_id))
    return result[:limit]


# --- Claimants and outlets -----------------------------------------------------------------


@dataclass(frozen=True)
class NameCount:
    name: str
    count: int


def _top(session: so.Session, name: sa.ColumnElement, query: sa.Select, limit: int) -> list:
    counted = sa.func.count().label("n")
    rows = session.execute(
        query.add_columns(name, counted)
        .where(name.is_not(None))
        .group_by(name)
        .order_by(counted.desc(), name)
        .limit(limit)
    )
    return [NameCount(n, c) for n, c in rows]


def _claims_flagged_in(period: Period) -> sa.Select:
    return (
        sa.select()
        .select_from(Claim)
        .where(Claim.created_at >= period.start, Claim.created_at < period.end)
    )


def _claims_ruled_in(period: Period) -> sa.Select:
    return (
        sa.select()
        .select_from(Ruling)
        .join(Claim, Claim.id == Ruling.claim_id)
        .where(*_published_in(period))
    )


def top_claimants_flagged(session: so.Session, period: Period, limit: int = TOP_N) -> list:
    """The claimants with the most claims flagged in the period (the claim's claimant)."""
    return _top(session, Claim.claimant_name, _claims_flagged_in(period), limit)


def top_claimants_ruled(session: so.Session, period: Period, limit: int = TOP_N) -> list:
    """The claimants with the most rulings published in the period."""
    return _top(session, Claim.claimant_name, _claims_ruled_in(period), limit)


def top_outlets_flagged(session: so.Session, period: Period, limit: int = TOP_N) -> list:
    """The outlets whose articles gave the most claims flagged in the period (the article
    each claim was first found in)."""
    query = _claims_flagged_in(period).join(Article, Article.id == Claim.article_id)
    return _top(session, Outlet.name, query.join(Outlet, Outlet.id == Article.outlet_id), limit)


def top_outlets_ruled(session: so.Session, period: Period, limit: int = TOP_N) -> list:
    """The outlets with the most rulings published in the period on their claims."""
    query = _claims_ruled_in(period).join(Article, Article.id == Claim.article_id)
    return _top(session, Outlet.name, query.join(Outlet, Outlet.id == Article.outlet_id), limit)


# --- The classifier ----------------------------------------------------------------------


def score_histogram(
    session: so.Session, period: Period, *, model_name: str, model_version: str
) -> list[int]:
    """How the sentences of the articles ingested in the period score by one model, counted
    in bands of 1/SCORE_BINS (a score of exactly 1 counts in the last band).

    Read from the articles' time index through each article's sentences to their score by
    that model (both unique indexes): 13 ms for 30 days of a 100k-claim desk, where a scan
    of every stored score by its time (sentence_scores has no time index) took 97 ms."""
    band = score_band(SentenceScore.score, dialect_of(session))
    inner = (
        sa.select(band.label("band"))
        .select_from(Article)
        .join(Sentence, Sentence.article_id == Article.id)
        .join(
            SentenceScore,
            sa.and_(
                SentenceScore.sentence_id == Sentence.id,
                SentenceScore.model_name == model_name,
                SentenceScore.model_version == model_version,
            ),
        )
        .where(Article.ingested_at >= period.start, Article.ingested_at < period.end)
        .subquery()
    )
    counts = [0] * SCORE_BINS
    for b, n in session.execute(sa.select(inner.c.band, sa.func.count()).group_by(inner.c.band)):
        counts[min(max(int(b), 0), SCORE_BINS - 1)] += int(n)
    return counts
