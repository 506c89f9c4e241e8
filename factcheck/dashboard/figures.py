"""The dashboard's figures: each one's data rows (the page's data table and its CSV file)
and its chart, built from the aggregate reads in queries.py. No Flask.

A figure is built only when asked for (a CSV download runs the reads of its own figure
alone), and reads two figures share (the claims created per day, the flag-to-publish
times) run once per dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

import sqlalchemy.orm as so
from markupsafe import Markup

from factcheck.claims.lifecycle import ClaimStatus
from factcheck.dashboard import charts, queries
from factcheck.dashboard.queries import PUBLISH_BANDS, SCORE_BINS, Period

# Periods longer than this are drawn (and tabulated) a week a bar.
DAILY_UP_TO = 92

# The queue's states, and the statuses each one counts. A lease moves a claim between new
# and in review without an audit entry of the status, so the two are one state here.
QUEUE_STATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("New or in review", (ClaimStatus.NEW, ClaimStatus.IN_REVIEW)),
    ("Returned", (ClaimStatus.RETURNED,)),
    ("Awaiting approval", (ClaimStatus.SUBMITTED,)),
    ("Approved, not published", (ClaimStatus.APPROVED,)),
)


@dataclass(frozen=True)
class Model:
    """The classifier whose scores the histogram shows, and its flag threshold."""

    name: str
    version: str
    threshold: float


@dataclass(frozen=True)
class Figure:
    """One chart with its data: `rows` under `columns` are both its table and its CSV."""

    key: str
    title: str
    description: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    chart: Markup = field(default_factory=lambda: charts.no_data())
    note: str = ""

    @property
    def empty(self) -> bool:
        return "chart-empty" in self.chart


def duration(seconds: float | None) -> str:
    """A time span in words a desk reads at a glance: 3 d 4 h, 5 h 12 min, 40 min."""
    if seconds is None:
        return "–"
    minutes = int(round(max(seconds, 0) / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _day_label(day: date) -> str:
    return f"{day.day} {day:%b}"


@dataclass(frozen=True)
class Summary:
    flagged: int
    published: int
    median: float | None
    p90: float | None


class Dashboard:
    """The figures of one period, read through one session."""

    KEYS = (
        "flagged",
        "queue",
        "ratings",
        "publish_time",
        "work",
        "claimants_flagged",
        "claimants_ruled",
        "outlets_flagged",
        "outlets_ruled",
        "scores",
    )

    def __init__(
        self,
        session: so.Session,
        period: Period,
        *,
        now: datetime,
        model: Model | None,
        model_problem: str = "",
        status_counts: dict[str, int] | None = None,
    ) -> None:
        self.session, self.period, self.now = session, period, now
        self.model, self.model_problem = model, model_problem
        # Claims per status now, when the caller has them (the navigation's kept counts);
        # else read. A lapsed lease counted as new there is the same "waiting" state here.
        self.status_counts = status_counts

    # Reads shared by several figures --------------------------------------------------

    @cached_property
    def created(self) -> dict[date, int]:
        return queries.claims_created_by_day(self.session, self.period.start)

    @cached_property
    def times(self) -> queries.PublishTimes:
        return queries.publish_times(self.session, self.period)

    @cached_property
    def buckets(self) -> list[tuple[date, date]]:
        """The periods of one bar each: days, or for a long period weeks from its start."""
        days = self.period.dates()
        if len(days) <= DAILY_UP_TO:
            return [(d, d) for d in days]
        return [(days[i], days[min(i + 6, len(days) - 1)]) for i in range(0, len(days), 7)]

    @property
    def weekly(self) -> bool:
        return self.period.days > DAILY_UP_TO

    def _bucket_labels(self) -> tuple[list[str], list[str]]:
        short = [_day_label(first) for first, _ in self.buckets]
        if self.weekly:
            full = [f"{first.isoformat()} to {last.isoformat()}" for first, last in self.buckets]
        else:
            full = [first.isoformat() for first, _ in self.buckets]
        return short, full

    def summary(self) -> Summary:
        flagged = sum(n for d, n in self.created.items() if d <= self.period.until)
        return Summary(flagged, self.times.count, self.times.median, self.times.p90)

    # The figures ----------------------------------------------------------------------

    def figure(self, key: str) -> Figure:
        if key not in self.KEYS:
            raise KeyError(key)
        return getattr(self, f"_{key}")()

    def figures(self, keys: Sequence[str]) -> list[Figure]:
        return [self.figure(key) for key in keys]

    def _span(self) -> str:
        return f"{self.period.since.isoformat()} to {self.period.until.isoformat()} (UTC)"

    def _flagged(self) -> Figure:
        unit = "week" if self.weekly else "day"
        counts = [
            sum(
                self.created.get(first + timedelta(days=i), 0)
                for i in range((last - first).days + 1)
            )
            for first, last in self.buckets
        ]
        short, full = self._bucket_labels()
        total, busiest = sum(counts), max(range(len(counts)), key=lambda i: counts[i])
        title = f"Claims flagged per {unit}"
        description = (
            f"Bars: claims flagged (by the classifier or by a person) each {unit}, {self._span()}. "
            f"{total:,} in all"
            + (
                f"; the most, {counts[busiest]:,}, {'in the week of' if self.weekly else 'on'} "
                f"{full[busiest]}."
                if total
                else "."
            )
        )
        columns = ("week_from", "week_to", "claims") if self.weekly else ("day", "claims")
        rows = [
            ((first, last, n) if self.weekly else (first, n))
            for (first, last), n in zip(self.buckets, counts, strict=True)
        ]
        chart = charts.bar_chart(
            "chart-flagged", title, description, short, counts,
            x_label="Week starting" if self.weekly else "Day", y_label="Claims",
            full_labels=full,
        )  # fmt: skip
        return Figure("flagged", title, description, columns, rows, chart)

    def _queue(self) -> Figure:
        days = self.period.dates()
        changes = queries.status_changes_by_day(self.session, self.period.start)
        current = self.status_counts
        if current is None:
            current = queries.stored_status_counts(self.session)
        by_day = queries.statuses_by_day(current, self.created, changes, days)
        ends = [last for _, last in self.buckets]
        series = [
            charts.Series(name, [sum(by_day[d].get(s, 0) for s in statuses) for d in ends])
            for name, statuses in QUEUE_STATES
        ]
        short, full = self._bucket_labels()
        title = "Queue by status"
        last = {s.name: s.values[-1] for s in series}
        description = (
            f"Stacked areas: claims in each state of the queue at the end of each "
            f"{'week' if self.weekly else 'day'}, {self._span()}. On "
            f"{ends[-1].isoformat()}: "
            + "; ".join(f"{name} {n:,}" for name, n in last.items())
            + "."
        )
        columns = ("day", *(name for name, _ in QUEUE_STATES))
        rows = [(d, *(int(s.values[i]) for s in series)) for i, d in enumerate(ends)]
        chart = charts.stacked_area_chart(
            "chart-queue", title, description, short, series,
            x_label="Week ending" if self.weekly else "Day", y_label="Claims",
            full_labels=[d.isoformat() for d in ends],
        )  # fmt: skip
        note = (
            "Worked back from today's counts and the audit log's status changes; a claim "
            "moves between new and in review with its lease, so those two are one state."
        )
        return Figure("queue", title, description, columns, rows, chart, note)

    def _ratings(self) -> Figure:
        counts = queries.rulings_by_rating(self.session, self.period)
        title = "Rulings by rating"
        total = sum(c.count for c in counts)
        description = (
            f"Bars: rulings published {self._span()} (not since retracted) by the rating "
            f"they show, {total:,} in all."
        )
        chart = charts.bar_chart(
            "chart-ratings", title, description, [charts.shorten(c.label, 14) for c in counts],
            [c.count for c in counts], x_label="Rating", y_label="Rulings",
            full_labels=[c.label for c in counts],
        )  # fmt: skip
        rows = [(c.label, c.count) for c in counts]
        return Figure("ratings", title, description, ("rating", "rulings"), rows, chart)

    def _publish_time(self) -> Figure:
        bands = queries.publish_time_bands(self.session, self.period)
        times = self.times
        title = "Time from flag to publish"
        description = (
            f"Bars: rulings published {self._span()} by the time from the claim's flagging "
            f"to publication. {times.count:,} rulings; median {duration(times.median)}, "
            f"90th percentile {duration(times.p90)}."
        )
        labels = [label for label, _ in PUBLISH_BANDS]
        chart = charts.bar_chart(
            "chart-publish_time", title, description, labels, bands,
            x_label="Flag to publish", y_label="Rulings",
        )  # fmt: skip
        rows = [(label, n) for label, n in zip(labels, bands, strict=True)]
        rows += [
            ("median (hours)", _hours(times.median)),
            ("90th percentile (hours)", _hours(times.p90)),
        ]
        return Figure("publish_time", title, description, ("band", "rulings"), rows, chart)

    def _work(self) -> Figure:
        people = queries.work_by_person(self.session, self.period)
        title = "Work per fact-checker"
        names = ("Claims taken", "Verdicts submitted", "Rulings published")
        series = [
            charts.Series(names[0], [p.taken for p in people]),
            charts.Series(names[1], [p.submitted for p in people]),
            charts.Series(names[2], [p.published for p in people]),
        ]
        description = (
            f"Grouped bars per person, {self._span()}: claims they took or were assigned, "
            f"verdicts they submitted for approval, and rulings published with their byline; "
            f"the {queries.MAX_PEOPLE} busiest at most."
        )
        chart = charts.hbar_chart(
            "chart-work", title, description, [p.name for p in people], series,
            x_label="Claims, verdicts, rulings",
        )  # fmt: skip
        rows = [(p.name, p.taken, p.submitted, p.published) for p in people]
        columns = ("person", "claims_taken", "verdicts_submitted", "rulings_published")
        return Figure("work", title, description, columns, rows, chart)

    def _top(self, key: str, title: str, counts: list, what: str, column: str) -> Figure:
        description = f"Bars: the {queries.TOP_N} {column}s with the most {what}, {self._span()}."
        chart = charts.hbar_chart(
            f"chart-{key}", title, description, [c.name for c in counts],
            [charts.Series(what, [c.count for c in counts])], x_label=what.capitalize(),
        )  # fmt: skip
        rows = [(c.name, c.count) for c in counts]
        return Figure(key, title, description, (column, what.replace(" ", "_")), rows, chart)

    def _claimants_flagged(self) -> Figure:
        counts = queries.top_claimants_flagged(self.session, self.period)
        return self._top(
            "claimants_flagged", "Top claimants by claims flagged", counts, "claims flagged",
            "claimant",
        )  # fmt: skip

    def _claimants_ruled(self) -> Figure:
        counts = queries.top_claimants_ruled(self.session, self.period)
        return self._top(
            "claimants_ruled", "Top claimants by rulings", counts, "rulings published",
            "claimant",
        )  # fmt: skip

    def _outlets_flagged(self) -> Figure:
        counts = queries.top_outlets_flagged(self.session, self.period)
        return self._top(
            "outlets_flagged", "Top outlets by claims flagged", counts, "claims flagged",
            "outlet",
        )  # fmt: skip

    def _outlets_ruled(self) -> Figure:
        counts = queries.top_outlets_ruled(self.session, self.period)
        return self._top(
            "outlets_ruled", "Top outlets by rulings", counts, "rulings published", "outlet"
        )

    def _scores(self) -> Figure:
        title = "Classifier scores"
        columns = ("score_from", "score_to", "sentences")
        if self.model is None:
            message = f"The classifier could not be read: {self.model_problem}"
            return Figure("scores", title, message, columns, [], charts.no_data(message))
        model = self.model
        counts = queries.score_histogram(
            self.session, self.period, model_name=model.name, model_version=model.version
        )
        edges = [round(i / SCORE_BINS, 4) for i in range(SCORE_BINS + 1)]
        description = (
            f"Histogram: sentences scored by {model.name} {model.version}, {self._span()}, "
            f"by check-worthiness score ({sum(counts):,} in all). The dashed line is the flag "
            f"threshold, {model.threshold:.3f}: sentences at or above it become claims; the "
            "dark bars lie wholly above it."
        )
        chart = charts.histogram(
            "chart-scores", title, description, edges, counts,
            x_label="Score", y_label="Sentences", marker=model.threshold,
            marker_label=f"threshold {model.threshold:.3f}",
        )  # fmt: skip
        rows = [(edges[i], edges[i + 1], n) for i, n in enumerate(counts)]
        return Figure("scores", title, description, columns, rows, chart)
