"""The dashboard: every aggregate on a small hand-built desk whose answers are known, the
date range and its refusals, each chart's CSV, and who may see what.

The desk (see `desk` below), with T = today (UTC):

    claim  flagged   claimant   outlet   what happened
    c4     T-20      Jane Doe   Daily    nothing (new, before the period)
    c1     T-8       Jane Doe   Daily    published T-1 10:00 (rated A) by fc1: 7 days
    c8     T-7       John Roe   Herald   published T-2 10:00 (rated B) by fc1: 5 days
    c6     T-6       =cmd|' /C calc     dismissed T-4 (an audit entry of that day)
    c2     T-5       John Roe   Herald   dismissed today
    c3     T-3       Jane Doe   Daily    taken by fc2 today
    c7     T-2 04:00 Jane Doe   Daily    published T-1 16:00 (rated A) by fc1: 36 hours
    c5     T-2       Ann Other  -        submitted by fc2 today

c1's article (ingested T-8) holds five sentences scored by the classifier in use and one
by another version; c4's (T-20) one more. Status changes made through the services are
stamped now by the audit log (the services' `now` sets the rulings' and leases' own
times), so in the queue they happen today.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim, Sentence, SentenceScore
from factcheck.dashboard import queries
from factcheck.dashboard.figures import Dashboard, Model
from factcheck.dashboard.queries import Period
from factcheck.db import utcnow
from factcheck.editorial import approval, publication
from factcheck.errors import InvalidInput
from factcheck.extensions import db
from factcheck.review import decisions, leases
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.ratings import active_ratings
from tests.conftest import login
from tests.workflow import add_claim, user, verdict

DAY = 86_400
MODEL = Model("keyword-fake", "test-1", 0.5)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), UTC)


@dataclass
class Desk:
    today: date
    claims: dict[str, Claim]
    fc1: object
    fc2: object
    ed: object
    accounts: dict

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def period(self, since: int, until: int = 0) -> Period:
        return Period(self.day(since), self.day(until))


def _flagged(
    today: date, offset: int, claimant: str | None, outlet: str | None, hour: int = 10
) -> Claim:
    claim = add_claim(claimant=claimant, outlet=outlet)
    claim.created_at = at(today + timedelta(days=offset), hour)
    db.session.flush()
    return claim


def _publish(claim: Claim, fc, ed, *, rating, taken: datetime, published: datetime) -> None:  # noqa: ANN001
    leases.take(db.session, claim, actor=fc, now=taken, lease_hours=48)
    data = verdict(rating_id=rating.id, claimant_name=claim.claimant_name)
    rev, _ = verdicts.save_revision(
        db.session, claim, data, actor=fc, base_revision_id=None, now=taken
    )
    verdicts.submit(db.session, claim, actor=fc, revision_id=rev.id, now=taken)
    approval.approve(db.session, claim, revision_id=rev.id, actor=ed, now=published)
    publication.publish(db.session, claim, actor=ed, now=published)


def _score(article_id: int, position: int, score: float, when: datetime, version: str) -> None:
    sentence = Sentence(
        article_id=article_id, position=position, start_offset=0, end_offset=5, text="Words"
    )
    db.session.add(sentence)
    db.session.flush()
    db.session.add(
        SentenceScore(
            sentence_id=sentence.id, score=score, model_name="keyword-fake",
            model_version=version, scored_at=when,
        )
    )  # fmt: skip


@pytest.fixture
def desk(app, make_user) -> Desk:
    accounts = {
        role: make_user(role) for role in (Role.VIEWER, Role.FACT_CHECKER, Role.EDITOR, Role.ADMIN)
    }
    fc1 = user(make_user(Role.FACT_CHECKER, name="Fiona Checker"))
    fc2 = user(make_user(Role.FACT_CHECKER, name="Carl Checker"))
    ed = user(make_user(Role.EDITOR, name="Edna Editor"))
    now = utcnow()
    today = now.date()
    rating_a, rating_b = active_ratings(db.session)[:2]
    c = {
        "c4": _flagged(today, -20, "Jane Doe", "Daily"),
        "c1": _flagged(today, -8, "Jane Doe", "Daily"),
        "c8": _flagged(today, -7, "John Roe", "Herald"),
        "c6": _flagged(today, -6, "=cmd|' /C calc", None),
        "c2": _flagged(today, -5, "John Roe", "Herald"),
        "c3": _flagged(today, -3, "Jane Doe", "Daily"),
        "c7": _flagged(today, -2, "Jane Doe", "Daily", hour=4),
        "c5": _flagged(today, -2, "Ann Other", None),
    }
    day = lambda n: today + timedelta(days=n)  # noqa: E731
    _publish(c["c1"], fc1, ed, rating=rating_a, taken=at(day(-7)), published=at(day(-1), 10))
    _publish(c["c8"], fc1, ed, rating=rating_b, taken=at(day(-6)), published=at(day(-2), 10))
    _publish(c["c7"], fc1, ed, rating=rating_a, taken=at(day(-2), 5), published=at(day(-1), 16))
    # c6: dismissed on T-4, as an audit entry of that day records.
    c["c6"].status, c["c6"].dismiss_reason = "dismissed", "not_a_claim"
    db.session.add(
        AuditEntry(
            occurred_at=at(day(-4), 12), action="claim.dismiss", entity_type="claim",
            entity_id=c["c6"].id, changes={"status": ["new", "dismissed"]}, extra={},
        )
    )  # fmt: skip
    decisions.dismiss(db.session, c["c2"], reason="not_a_claim", note=None, actor=fc2, now=now)
    leases.take(db.session, c["c3"], actor=fc2, now=now, lease_hours=48)
    leases.take(db.session, c["c5"], actor=fc2, now=now, lease_hours=48)
    rev, _ = verdicts.save_revision(
        db.session,
        c["c5"],
        verdict(claimant_name="Ann Other"),
        actor=fc2,
        base_revision_id=None,
        now=now,
    )
    verdicts.submit(db.session, c["c5"], actor=fc2, revision_id=rev.id, now=now)
    # Sentence scores of articles ingested in the period (c1's, T-8), five by this model and
    # one by another version; and one of an article ingested before the period (c4's, T-20).
    c["c1"].article.ingested_at = at(day(-8))
    c["c4"].article.ingested_at = at(day(-20))
    for i, (article, score, version) in enumerate(
        [
            (c["c1"].article_id, 0.10, "test-1"),
            (c["c1"].article_id, 0.12, "test-1"),
            (c["c1"].article_id, 0.55, "test-1"),
            (c["c1"].article_id, 0.97, "test-1"),
            (c["c1"].article_id, 1.0, "test-1"),
            (c["c1"].article_id, 0.3, "test-0"),
            (c["c4"].article_id, 0.3, "test-1"),
        ]
    ):
        _score(article, 100 + i, score, now, version)
    db.session.commit()
    return Desk(today, c, fc1, fc2, ed, accounts)


def board(desk: Desk, since: int = -9, until: int = 0) -> Dashboard:
    return Dashboard(db.session, desk.period(since, until), now=utcnow(), model=MODEL)


# --- The aggregates -------------------------------------------------------------------------


def test_claims_flagged_per_day(desk):
    figure = board(desk).figure("flagged")
    by_day = dict(figure.rows)
    expected = {desk.day(n): 0 for n in range(-9, 1)}
    expected.update({desk.day(-8): 1, desk.day(-7): 1, desk.day(-6): 1, desk.day(-5): 1})
    expected.update({desk.day(-3): 1, desk.day(-2): 2})
    assert by_day == expected
    assert board(desk).summary().flagged == 7
    # The bars: one per day, the tallest the day of two.
    assert figure.chart.count('class="bar"') == 10
    assert f"{desk.day(-2).isoformat()}: 2" in figure.chart


def test_queue_by_status_is_worked_back_from_the_audit_log(desk):
    rows = {r[0]: r[1:] for r in board(desk).figure("queue").rows}
    waiting = {d: r[0] for d, r in rows.items()}
    assert waiting == {
        desk.day(-9): 1,
        desk.day(-8): 2,
        desk.day(-7): 3,
        desk.day(-6): 4,
        desk.day(-5): 5,
        desk.day(-4): 4,  # c6 dismissed that day
        desk.day(-3): 5,
        desk.day(-2): 7,
        desk.day(-1): 7,
        desk.day(0): 2,  # today: c4 new, c3 in review
    }
    assert rows[desk.day(0)] == (2, 0, 1, 0)  # c5 awaiting approval
    assert all(r[1:] == (0, 0, 0) for d, r in rows.items() if d != desk.day(0))


def test_queue_on_the_last_day_equals_the_stored_statuses(desk):
    # Whatever the services did, working back from now must land on today's counts.
    rows = board(desk, -30).figure("queue").rows
    current = queries.stored_status_counts(db.session)
    assert rows[-1][1:] == (
        current.get("new", 0) + current.get("in_review", 0),
        current.get("returned", 0),
        current.get("submitted", 0),
        current.get("approved", 0),
    )
    # Before the first claim there was nothing.
    assert rows[0][1:] == (0, 0, 0, 0)


def test_rulings_by_rating(desk):
    ratings = active_ratings(db.session)
    rows = board(desk).figure("ratings").rows
    assert rows == [(ratings[0].label, 2), (ratings[1].label, 1)]
    # Only the rulings published in the range: T-1 holds c1 and c7.
    assert board(desk, -1, -1).figure("ratings").rows == [(ratings[0].label, 2)]


def test_median_and_90th_percentile_from_flag_to_publish(desk):
    times = queries.publish_times(db.session, desk.period(-9))
    # 36 hours, 5 days, 7 days: the median is the middle one, the 90th percentile the top.
    assert times.count == 3
    assert times.median == pytest.approx(5 * DAY, abs=1)
    assert times.p90 == pytest.approx(7 * DAY, abs=1)
    # An even count: the mean of the middle two (T-1: 36 hours and 7 days).
    two = queries.publish_times(db.session, desk.period(-1, -1))
    assert two.count == 2
    assert two.median == pytest.approx((1.5 + 7) / 2 * DAY, abs=1)
    assert two.p90 == pytest.approx(7 * DAY, abs=1)
    assert queries.publish_times(db.session, desk.period(-30, -20)).count == 0
    bands = dict(board(desk).figure("publish_time").rows)
    assert bands["1–2 days"] == 1 and bands["3–7 days"] == 1 and bands["1–2 weeks"] == 1
    assert bands["< 1 day"] == 0
    assert bands["median (hours)"] == pytest.approx(120.0)


def test_work_per_fact_checker(desk):
    rows = {r[0]: r[1:] for r in board(desk).figure("work").rows}
    # fc1 took three claims and published three rulings; the submissions are audited now.
    assert rows["Fiona Checker"] == (3, 3, 3)
    assert rows["Carl Checker"] == (2, 1, 0)
    assert "Edna Editor" not in rows
    # Rulings and takes outside the range do not count.
    early = {r[0]: r[1:] for r in board(desk, -9, -3).figure("work").rows}
    assert early == {"Fiona Checker": (2, 0, 0)}


def test_top_claimants_and_outlets(desk):
    b = board(desk)
    rows = b.figure("claimants_flagged").rows
    assert rows[:2] == [("Jane Doe", 3), ("John Roe", 2)]
    # Ties are in the database's collation order.
    assert sorted(rows[2:]) == [("=cmd|' /C calc", 1), ("Ann Other", 1)]
    assert b.figure("claimants_ruled").rows == [("Jane Doe", 2), ("John Roe", 1)]
    assert b.figure("outlets_flagged").rows == [("Daily", 3), ("Herald", 2)]
    assert b.figure("outlets_ruled").rows == [("Daily", 2), ("Herald", 1)]


def test_top_lists_are_bounded(desk):
    for i in range(queries.TOP_N + 3):
        _flagged(desk.today, -1, f"Speaker {i:02d}", f"Outlet {i:02d}")
    rows = board(desk).figure("claimants_flagged").rows
    assert len(rows) == queries.TOP_N
    assert rows[0] == ("Jane Doe", 3)


def test_score_histogram_with_the_threshold(desk):
    figure = board(desk).figure("scores")
    counts = [r[2] for r in figure.rows]
    assert len(counts) == queries.SCORE_BINS
    assert counts[2] == 2  # 0.10 and 0.12
    assert counts[11] == 1  # 0.55
    assert counts[19] == 2  # 0.97 and 1.0 (the top edge belongs to the last band)
    assert sum(counts) == 5  # not the other model version, not the older article's
    # The article's day decides, not when its sentences were (re)scored.
    assert sum(r[2] for r in board(desk, -9, -9).figure("scores").rows) == 0
    assert sum(r[2] for r in board(desk, -8, -8).figure("scores").rows) == 5
    assert "threshold 0.500" in figure.chart
    assert "stroke-dasharray" in figure.chart


def test_an_empty_range_says_so(desk):
    b = board(desk, -300, -200)
    for key in Dashboard.KEYS:
        figure = b.figure(key)
        assert "No data in this range." in figure.chart, key
        assert "<svg" not in figure.chart, key


def test_period_bounds():
    with pytest.raises(InvalidInput, match="after the end date"):
        Period(date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(InvalidInput, match="at most 731"):
        Period(date(2024, 1, 1), date(2026, 1, 1))
    assert Period(date(2024, 1, 1), date(2025, 12, 31)).days == 731


def test_a_long_range_is_drawn_a_week_a_bar(desk):
    b = board(desk, -120)
    figure = b.figure("flagged")
    assert figure.columns == ("week_from", "week_to", "claims")
    assert len(figure.rows) == 18  # 121 days
    assert sum(r[2] for r in figure.rows) == 8  # c4 too
    queue = b.figure("queue").rows
    assert queue[-1][0] == desk.today and queue[-1][1] == 2


# --- The page, its range and its CSV files ------------------------------------------------


def _client(app, desk, role):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, desk.accounts[role])
    return client


def _csv(response) -> list[list[str]]:  # noqa: ANN001
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_page_draws_every_chart(app, desk):
    client = _client(app, desk, Role.EDITOR)
    since = desk.day(-9).isoformat()
    response = client.get(f"/dashboard/?since={since}&until={desk.today.isoformat()}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 10
    assert "Work per fact-checker" in html
    assert "Fiona Checker" in html
    assert 'href="/static/css/dashboard.css"' in html
    assert "<script>" not in html and " style=" not in html  # the CSP allows neither
    assert f"/dashboard/flagged.csv?since={since}" in html
    assert html.count("<details>") == 10  # a data table per chart
    assert "5 d 0 h" in html  # the median, as a key figure
    assert 'href="/dashboard/"' in html  # the navigation


def test_the_default_range_is_the_last_30_days(app, desk):
    html = _client(app, desk, Role.VIEWER).get("/dashboard/").get_data(as_text=True)
    assert f"{desk.day(-29).isoformat()} to {desk.today.isoformat()} (30 days)" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-13-01", "is not a date"),
        ("since=yesterday", "“yesterday” is not a date"),
        ("until=20261101", "is not a date"),
        ("since=2026-03-02&until=2026-03-01", "The start date is after the end date."),
        ("since=2020-01-01&until=2023-01-01", "at most 731 (two years)"),
        ("until=2999-01-01", "The end date is after today"),
        ("since=1999-12-31&until=2000-06-01", "before 2000-01-01"),
        ("since=" + "9" * 5000, "is not a date"),
    ],
)
def test_bad_dates_get_a_clear_message(app, desk, query, message):
    client = _client(app, desk, Role.VIEWER)
    response = client.get(f"/dashboard/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'role="img"' not in html
    csv_response = client.get(f"/dashboard/flagged.csv?{query}")
    assert csv_response.status_code == 400
    assert message in csv_response.get_data(as_text=True)


def test_csv_files_carry_the_chart_data_of_the_range(app, desk):
    client = _client(app, desk, Role.EDITOR)
    args = f"since={desk.day(-3).isoformat()}&until={desk.day(-2).isoformat()}"
    response = client.get(f"/dashboard/flagged.csv?{args}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f"dashboard-flagged-{desk.day(-3).isoformat()}-{desk.day(-2).isoformat()}.csv"
        in response.headers["Content-Disposition"]
    )
    assert _csv(response) == [
        ["day", "claims"],
        [desk.day(-3).isoformat(), "1"],
        [desk.day(-2).isoformat(), "2"],
    ]
    rows = _csv(client.get(f"/dashboard/claimants_flagged.csv?since={desk.day(-9)}"))
    # A claimant a spreadsheet would run as a formula is written as text.
    assert ["'=cmd|' /C calc", "1"] in rows
    assert rows[0] == ["claimant", "claims_flagged"]
    work = _csv(client.get(f"/dashboard/work.csv?since={desk.day(-9)}"))
    assert work[0] == ["person", "claims_taken", "verdicts_submitted", "rulings_published"]
    assert ["Fiona Checker", "3", "3", "3"] in work
    for key in Dashboard.KEYS:
        path = "/dashboard/work.csv" if key == "work" else f"/dashboard/{key}.csv"
        assert client.get(f"{path}?since={desk.day(-9)}").status_code == 200, key
    assert client.get("/dashboard/nonsense.csv").status_code == 404


@pytest.mark.parametrize(
    ("role", "sees_work"),
    [(Role.VIEWER, False), (Role.FACT_CHECKER, False), (Role.EDITOR, True), (Role.ADMIN, True)],
)
def test_who_sees_what(app, desk, role, sees_work):
    client = _client(app, desk, role)
    page = client.get("/dashboard/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ("Work per fact-checker" in html) is sees_work
    assert ("Fiona Checker" in html) is sees_work
    assert client.get("/dashboard/work.csv").status_code == (200 if sees_work else 403)
    assert client.get("/dashboard/ratings.csv").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(app, desk):
    client = app.test_client()
    for path in ("/dashboard/", "/dashboard/flagged.csv", "/dashboard/work.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")


class _BrokenModel:
    """A classifier whose model files cannot be read (TransformerClassifier raises this)."""

    @property
    def name(self) -> str:
        from factcheck.classifier import ModelUnavailable

        raise ModelUnavailable("no model at /srv/secret/path (model.json missing)")


def test_an_unreadable_model_leaves_the_other_charts(app, desk):
    from factcheck.classifier.loader import set_classifier

    set_classifier(app, _BrokenModel())
    html = _client(app, desk, Role.VIEWER).get("/dashboard/").get_data(as_text=True)
    assert "The classifier could not be read: its model files are missing or damaged." in html
    assert "/srv/secret" not in html
    assert 'id="chart-flagged"' in html
