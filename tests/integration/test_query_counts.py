"""No page or API list reads the database once per row (issue 15, item 4).

Each main GET page and API endpoint is requested twice: with a small data set and with a
larger one (SMALL and LARGE claims, articles, rulings, users, rating scales, API tokens,
audit entries, notifications; or, for a page about one item, an item with SMALL and one
with LARGE sentences, revisions, decisions, evidence sources, corrections). The SQL
statements each request sends are counted with a "before_cursor_execute" listener on the
engine; the count must not grow with the rows. A lazy load in a template loop, a schema
field that walks a relationship, or a query per sentence makes it grow, and the failure
names each page that grew with the statements that repeat. The data is built once per
test for all the pages it serves: building it is most of the time.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from factcheck.auth.roles import Role
from factcheck.auth.tokens import create_token
from factcheck.claims.models import Claim, Sentence, SentenceScore
from factcheck.claims.priority import priority_of
from factcheck.claims.services import text_key
from factcheck.db import utcnow
from factcheck.editorial import approval, corrections, publication
from factcheck.extensions import db
from factcheck.notifications.services import notify
from factcheck.review import leases
from factcheck.sources.models import Article, Outlet
from factcheck.verdicts import services as verdicts
from factcheck.verdicts.inputs import EvidenceInput
from factcheck.verdicts.models import Rating, RatingScale
from factcheck.verdicts.ratings import active_ratings
from tests.conftest import login
from tests.workflow import user, verdict

SMALL, LARGE = 2, 8


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Collect the SQL of every statement the engine sends while the block runs."""
    sent: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        sent.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def repeated(small: list[str], large: list[str]) -> str:
    """The statements sent more often with more rows, with how often, for the message."""

    def shape(statement: str) -> str:  # savepoint names are numbered: sa_savepoint_12
        return re.sub(r"sa_savepoint_\d+", "sa_savepoint_N", re.sub(r"\s+", " ", statement))

    before = Counter(map(shape, small))
    after = Counter(map(shape, large))
    lines = [
        f"{before[s]} -> {n}: {s[:300]}" for s, n in after.most_common() if n > before.get(s, 0)
    ]
    return "\n".join(lines) or "(no statement repeats; other statements differ)"


@dataclass
class Desk:
    """A newsroom's data, grown a few rows of every kind at a time."""

    app: Flask
    make_user: Callable
    viewer: object = None
    client: FlaskClient | None = None
    api_headers: dict[str, str] = field(default_factory=dict)
    _n: Iterator[int] = field(default_factory=lambda: count(1))

    def __post_init__(self) -> None:
        account = self.make_user(Role.ADMIN, Role.EDITOR, Role.FACT_CHECKER, name="Desk Viewer")
        self.viewer = account
        self.client = self.app.test_client()
        login(self.client, account)
        _, secret = create_token(
            db.session, user=user(account), name="counts", now=utcnow(), expires_in_days=None
        )
        db.session.commit()
        self.api_headers = {"Authorization": f"Bearer {secret}"}

    # Building blocks ---------------------------------------------------------------------

    def person(self, *roles: Role):  # noqa: ANN201
        return user(self.make_user(*roles, name=f"Person {next(self._n)}"))

    def article(self, sentences: int = 3) -> tuple[Article, list[Sentence]]:
        """An article of its own outlet, with scored sentences."""
        n = next(self._n)
        texts = [f"Spending rose by {n}.{i} percent in {2000 + i}" for i in range(sentences)]
        body, spans = "", []
        for text in texts:
            spans.append((len(body), len(body) + len(text) + 1))
            body += text + ". "
        article = Article(
            title=f"Article {n}",
            text=body,
            content_hash=hashlib.sha256(f"counts {n}".encode()).hexdigest(),
            outlet=Outlet(name=f"Outlet {n}"),
            url=f"https://news.example.org/{n}",
        )
        db.session.add(article)
        db.session.flush()
        rows = []
        for i, (text, (start, end)) in enumerate(zip(texts, spans, strict=True)):
            sentence = Sentence(
                article_id=article.id,
                position=i,
                paragraph=i // 2,
                start_offset=start,
                end_offset=end,
                text=text + ".",
                claimant=f"Speaker {n}.{i}",
            )
            sentence.scores = [
                SentenceScore(score=0.9 - i / 100, model_name="keyword-fake", model_version="1")
            ]
            rows.append(sentence)
        db.session.add_all(rows)
        db.session.flush()
        return article, rows

    def claim(self, sentences: int = 1) -> Claim:
        """A new claim drawn from `sentences` sentences of a new article."""
        article, rows = self.article(max(sentences, 1))
        claim = Claim(
            text=rows[0].text,
            text_key=text_key(rows[0].text + str(article.id)),
            claimant_name=f"Claimant {article.id}",
            article_id=article.id,
            score=0.9,
            score_id=rows[0].scores[0].id,
            priority=priority_of(0.9, 1, None),
            status="new",
        )
        claim.sentences = rows[:sentences]
        db.session.add(claim)
        db.session.flush()
        return claim

    def rating_id(self, i: int) -> int:
        ratings = active_ratings(db.session)
        return ratings[i % len(ratings)].id

    def evidence(self, how_many: int) -> list[EvidenceInput]:
        return [
            EvidenceInput(
                url=f"https://stats.example.org/{next(self._n)}",
                title=f"Source {i}",
                publisher=f"Publisher {i}",
            )
            for i in range(how_many)
        ]

    def submitted(self, claim: Claim, checker, i: int = 0, sources: int = 1):  # noqa: ANN001, ANN201
        now = utcnow()
        leases.take(db.session, claim, actor=checker, now=now, lease_hours=48)
        rev, _ = verdicts.save_revision(
            db.session,
            claim,
            verdict(rating_id=self.rating_id(i), evidence=self.evidence(sources)),
            actor=checker,
            base_revision_id=None,
            now=now,
        )
        verdicts.submit(db.session, claim, actor=checker, revision_id=rev.id, now=now)
        return rev

    def published(self, claim: Claim, i: int, sources: int = 1) -> None:
        """Published by a fact-checker and an editor of its own, with a rating of its own."""
        checker, editor = self.person(Role.FACT_CHECKER), self.person(Role.EDITOR)
        rev = self.submitted(claim, checker, i, sources)
        approval.approve(db.session, claim, revision_id=rev.id, actor=editor, now=utcnow())
        publication.publish(db.session, claim, actor=editor, now=utcnow())

    # Data sets ---------------------------------------------------------------------------

    def grow(self, k: int) -> None:
        """k more of everything the list pages show."""
        me = user(self.viewer)
        for i in range(k):
            self.person(Role.VIEWER)
            self.claim()  # waiting in the queue
            leases.take(
                db.session, self.claim(), actor=me, now=utcnow(), lease_hours=48
            )  # mine, held
            self.submitted(self.claim(), me, i)  # mine, waiting; awaiting approval
            approved = self.claim()
            rev = self.submitted(approved, self.person(Role.FACT_CHECKER), i)
            approval.approve(
                db.session, approved, revision_id=rev.id, actor=self.person(Role.EDITOR),
                now=utcnow(),
            )  # fmt: skip
            self.published(self.claim(), i)
            notify(db.session, user=me, kind="assignment", message=f"Notice {i}")
            create_token(
                db.session, user=me, name=f"Script {i}", now=utcnow(), expires_in_days=None
            )
            n = next(self._n)
            scale = RatingScale(name=f"Scale {n}", min_value=0.0, max_value=1.0)
            scale.ratings = [Rating(label=f"Rating {n}", bucket="other", position=0)]
            db.session.add(scale)
        db.session.commit()

    def claim_page(self, k: int) -> int:
        """A claim drawn from k sentences, with k revisions by k fact-checkers and k
        decisions by k editors, published and corrected."""
        claim = self.claim(sentences=k)
        base = None
        for i in range(k):
            checker = self.person(Role.FACT_CHECKER)
            now = utcnow() + timedelta(seconds=i)
            leases.take(db.session, claim, actor=checker, now=now, lease_hours=48)
            rev, _ = verdicts.save_revision(
                db.session,
                claim,
                verdict(rating_id=self.rating_id(i), evidence=self.evidence(i + 1)),
                actor=checker,
                base_revision_id=base,
                now=now,
            )
            base = rev.id
            verdicts.submit(db.session, claim, actor=checker, revision_id=rev.id, now=now)
            editor = self.person(Role.EDITOR)
            if i < k - 1:
                approval.return_verdict(
                    db.session, claim, revision_id=rev.id, comment=f"Look again {i}",
                    actor=editor, now=now, lease_hours=48,
                )  # fmt: skip
                leases.release(db.session, claim, actor=editor, now=now)  # the next one takes it
            else:
                approval.approve(db.session, claim, revision_id=rev.id, actor=editor, now=now)
                publication.publish(db.session, claim, actor=editor, now=now)
        self.correct(claim, k)
        db.session.commit()
        return claim.id

    def correct(self, claim: Claim, k: int) -> None:
        """k corrections that keep the rating, by k editors."""
        for i in range(k):
            latest = verdicts.latest_revision(db.session, claim)
            corrections.correct(
                db.session,
                claim,
                verdict(
                    rating_id=latest.rating_id,
                    summary=f"Corrected {i}.",
                    evidence=self.evidence(k),
                ),
                note=f"Correction {i}",
                base_revision_id=latest.id,
                actor=self.person(Role.EDITOR),
                now=utcnow() + timedelta(minutes=i + 1),
            )

    def article_page(self, k: int) -> int:
        """An article of k sentences, each flagged as a claim of its own."""
        article, rows = self.article(k)
        for sentence in rows:
            claim = Claim(
                text=sentence.text,
                text_key=text_key(sentence.text + str(sentence.id)),
                article_id=article.id,
                score=0.9,
                score_id=sentence.scores[0].id,
                priority=0.9,
                status="new",
            )
            claim.sentences = [sentence]
            db.session.add(claim)
        db.session.commit()
        return article.id

    def ruling_page(self, k: int) -> int:
        """A published ruling with k evidence sources and k corrections."""
        claim = self.claim()
        self.published(claim, k, sources=k)
        self.correct(claim, k)
        db.session.commit()
        return claim.id

    # Counting ----------------------------------------------------------------------------

    def sent_by(self, path: str) -> list[str]:
        """The statements one GET sends (after a first request that warms caches); an API
        path with the viewer's token."""
        headers = self.api_headers if path.startswith("/api/") else {}
        self.client.get(path, headers=headers)
        with statements(db.engine) as sent:
            response = self.client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:500])
        return sent


@pytest.fixture
def desk(app: Flask, make_user) -> Desk:
    return Desk(app, make_user)


LIST_PAGES = [
    "/",
    "/claims/",
    "/claims/mine",
    "/claims/awaiting",
    "/articles/",
    "/admin/users",
    "/admin/scales",
    "/admin/audit",
    "/export/",
    "/export/rulings.csv",
    "/export/claimreview.jsonl",
    "/dashboard/",
    "/notifications/",
    "/account/tokens",
    # Every kind of hit (claims, claimants, articles, rulings), and one kind's page.
    "/search?q=spending+OR+unemployment+OR+claimant",
    "/search?q=spending&kind=claims",
]
API_LISTS = ["/api/v1/claims", "/api/v1/claims?status=all", "/api/v1/rulings"]


def grown(small: dict[str, list[str]], large: dict[str, list[str]]) -> str:
    """Each page that sent more statements for more rows, with the statements that repeat."""
    return "\n\n".join(
        f"{path}: {len(small[path])} -> {len(large[path])} statements\n"
        + repeated(small[path], large[path])
        for path in small
        if len(large[path]) > len(small[path])
    )


def test_a_list_sends_as_many_statements_for_many_rows_as_for_few(desk: Desk):
    # One data set for every list (building it is most of the test's time).
    desk.grow(SMALL)
    small = {path: desk.sent_by(path) for path in LIST_PAGES + API_LISTS}
    desk.grow(LARGE - SMALL)
    large = {path: desk.sent_by(path) for path in LIST_PAGES + API_LISTS}
    assert not grown(small, large), grown(small, large)


# The pages about one item, by what builds the item.
ITEM_PAGES = {
    "claim_page": [
        "/claims/{}",
        "/api/v1/claims/{}",
        "/claims/{}/review",
        "/claims/{}/revisions/2",
    ],
    "article_page": ["/articles/{}"],
    "ruling_page": [
        "/rulings/{}",
        "/api/v1/rulings/{}",
        "/api/v1/rulings/{}?format=claimreview",
    ],
}


@pytest.mark.parametrize("build", ITEM_PAGES)
def test_a_page_about_one_item_sends_as_many_statements_for_a_long_story(desk: Desk, build: str):
    small_id = getattr(desk, build)(SMALL)
    large_id = getattr(desk, build)(LARGE)
    small = {page: desk.sent_by(page.format(small_id)) for page in ITEM_PAGES[build]}
    large = {page: desk.sent_by(page.format(large_id)) for page in ITEM_PAGES[build]}
    assert not grown(small, large), grown(small, large)
