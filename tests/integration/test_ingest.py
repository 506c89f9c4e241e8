"""Ingest: one transaction per article, scores with model versions, claims with claimants."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from factcheck.audit.models import AuditEntry
from factcheck.auth.roles import Role
from factcheck.claims.models import Claim, Sentence, SentenceScore
from factcheck.claims.priority import priority_of
from factcheck.claims.services import FlagPolicy
from factcheck.extensions import db
from factcheck.intake import ingest
from factcheck.sources.document import Document
from factcheck.sources.models import Article
from factcheck.sources.services import DuplicateArticle
from tests.conftest import csrf_token, post_form
from tests.fakes import KeywordClassifier
from tests.shared import seed_text


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_ingest_stores_everything_in_one_go(app, fake_classifier):
    text = seed_text()
    result = ingest(
        db.session,
        Document(text=text, title="Iran backs Assad", outlet="IPS"),
        actor=None,
        classifier=fake_classifier,
        # The stand-in model scores coarsely and embeds bags of words: flag and keep apart all.
        policy=FlagPolicy(max_share=1.0, same_claim=1.01),
    )
    db.session.commit()
    article = result.article
    sentences = db.session.scalars(
        sa.select(Sentence).where(Sentence.article_id == article.id).order_by(Sentence.position)
    ).all()
    assert len(sentences) > 20
    for s in sentences:
        assert article.text[s.start_offset : s.end_offset] == s.text
    scores = db.session.scalars(sa.select(SentenceScore)).all()
    assert len(scores) == len(sentences)
    assert {(s.model_name, s.model_version) for s in scores} == {("keyword-fake", "test-1")}
    claims = {c.claimant_name for c in result.claims}
    baghaei = next(c for c in result.claims if c.text.startswith("Israel and the US"))
    assert baghaei.claimant_name == "Esmaeil Baghaei"
    assert baghaei.claimant_role == "spokesman of the Iranian foreign ministry"
    assert baghaei.reporting_verb == "claimed" and baghaei.status == "new"
    assert baghaei.article_id == article.id
    assert baghaei.priority == priority_of(baghaei.score, 1, article.published_on)
    assert {"Masoud Pezeshkian", "Abbas Araghchi", "Esmaeil Baghaei"} <= claims
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("article.ingest") == 1
    assert actions.count("claim.flag") == len(result.claims)


def test_exact_reingest_is_refused_and_nothing_added(app, fake_classifier):
    first = ingest(
        db.session,
        Document(text="Taxes rose 40% last year."),
        actor=None,
        classifier=fake_classifier,
    ).article
    db.session.commit()
    before = (count(Article), count(Sentence), count(Claim))
    with pytest.raises(DuplicateArticle) as caught:
        ingest(
            db.session,
            Document(text="Taxes rose 40% last year.\r\n"),
            actor=None,
            classifier=fake_classifier,
        )
    db.session.rollback()
    assert caught.value.existing_id == first.id
    assert (count(Article), count(Sentence), count(Claim)) == before


def test_failure_midway_leaves_nothing(app, fake_classifier, monkeypatch):
    import factcheck.intake as services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "store_analysis", broken)
    with pytest.raises(RuntimeError):
        ingest(
            db.session,
            Document(text="Crime rose 20% in 2024."),
            actor=None,
            classifier=fake_classifier,
        )
    db.session.rollback()
    assert (count(Article), count(Sentence), count(Claim), count(AuditEntry)) == (0, 0, 0, 0)


def test_blank_metadata_is_no_metadata(app, fake_classifier):
    # Found by fuzzing the ingest form: an outlet of spaces broke the outlets table's
    # check constraint (a 500). Blank metadata now counts as none, and long metadata is
    # cut to its column's size.
    document = Document(
        text="Crime rose 20% in 2024. The mayor said so.",
        title=" \t ",
        outlet="   ",
        author="\n",
        language=" ",
        url=" ",
    )
    result = ingest(db.session, document, actor=None, classifier=fake_classifier)
    article = result.article
    assert article.outlet is None and article.author is None and article.url is None
    assert article.title == "Crime rose 20% in 2024." and article.language == "en"
    long = Document(text="Taxes rose.", outlet="  Wire\n  service " + "x" * 300)
    article = ingest(db.session, long, actor=None, classifier=fake_classifier).article
    assert article.outlet.name == ("Wire service " + "x" * 300)[:200]


def test_near_identical_sentences_share_one_claim(app, fake_classifier):
    text = (
        "The mayor said crime rose 20% in 2024.\n\nLater: the mayor said crime rose 20% "
        "in 2024!\n\nThe weather was fine."
    )
    result = ingest(db.session, Document(text=text), actor=None, classifier=fake_classifier)
    db.session.commit()
    assert len(result.claims) == 1
    assert len(result.claims[0].sentences) == 2


def test_threshold_decides_what_becomes_a_claim(app, fake_classifier):
    fake_classifier.threshold = 0.99
    result = ingest(
        db.session, Document(text="Crime rose 20% in 2024."), actor=None, classifier=fake_classifier
    )
    assert result.claims == []
    assert count(Sentence) == 1


def test_viewer_cannot_ingest(app, fake_classifier, make_user):
    from factcheck.auth.models import User
    from factcheck.errors import PermissionDenied

    viewer = db.session.get(User, make_user(Role.VIEWER).id)
    with pytest.raises(PermissionDenied):
        ingest(db.session, Document(text="Crime rose."), actor=viewer, classifier=fake_classifier)


class TestWeb:
    def _ingest(self, client, **fields):
        data = {"text": "", "url": "", "title": "", "language": "en"}
        data.update(fields)
        return post_form(
            client,
            "/articles/ingest",
            data,
            token_from="/articles/ingest",
            content_type="multipart/form-data",
        )

    def test_paste_text_and_see_flagged_claims(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        response = self._ingest(
            client,
            text=seed_text(),
            title="Iran backs Assad",
            outlet="IPS News",
            published_on="2024-12-03",
        )
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Esmaeil Baghaei" in page and "claims flagged" in page
        assert 'class="sentence s' in page and "flagged at ≥ 0.50" in page
        article = db.session.scalars(sa.select(Article)).one()
        assert article.outlet.name == "IPS News" and str(article.published_on) == "2024-12-03"
        claims_page = client.get("/claims/").get_data(as_text=True)
        assert "Esmaeil Baghaei" in claims_page and "spokesman of the Iranian" in claims_page

    def test_the_seed_articles_own_date_is_read_and_the_form_wins(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        assert self._ingest(client, text=seed_text()).status_code == 302
        article = db.session.scalars(sa.select(Article)).one()
        assert str(article.published_on) == "2024-12-03"
        assert article.text.startswith("A nurse attended") and "date 2024" not in article.title
        # Metadata typed into the form overrides the text's own header.
        text = "Title: Wire headline\nDate: 2026-01-05\nBy: Wire Desk\n\nCrime rose 20% in 2024."
        response = self._ingest(client, text=text, title="Our headline", published_on="2026-01-06")
        assert response.status_code == 302
        second = db.session.scalars(sa.select(Article).order_by(Article.id.desc())).first()
        assert (second.title, str(second.published_on)) == ("Our headline", "2026-01-06")
        assert second.author == "Wire Desk" and second.text == "Crime rose 20% in 2024."

    def _job_page(self, client, response):  # noqa: ANN001, ANN202
        """The job an ingest became (303 to its page, run at commit under the test
        settings) and the text of that page."""
        from factcheck.jobs.models import Job

        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        location = response.headers["Location"]
        job = db.session.get(Job, int(location.rsplit("/", 1)[1]))
        return job, client.get(location).get_data(as_text=True)

    def test_a_long_pasted_transcript_is_taken_in(self, login_as):
        # 1.2 MB of pasted text: over Werkzeug's 500 kB default for one form field, within
        # the form's 2,000,000 characters. It used to be refused as "too large" (413).
        # Over JOB_INLINE_MAX_CHARS, it is scored in a job.
        client = login_as(Role.FACT_CHECKER)
        words = " ".join(["transcript"] * 40) + ". "
        text = "Crime rose 20% in 2024. " + words * (1_200_000 // len(words))
        assert len(text.encode()) > 1_000_000
        fields = {"csrf_token": csrf_token(client, "/articles/ingest"), "text": text}
        # Encoded here: the test client spools big bodies to a file it never closes.
        boundary, body = encode_multipart(MultiDict({**fields, "title": "A long hearing"}))
        response = client.post(
            "/articles/ingest",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        job, page = self._job_page(client, response)
        assert job.status == "done", job.error
        article = db.session.scalars(sa.select(Article)).one()
        assert article.title == "A long hearing" and len(article.text) > 1_000_000
        assert f'href="/articles/{article.id}"' in page

    def test_duplicate_shows_a_link_to_the_existing_article(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        self._ingest(client, text="Crime rose 20% in 2024.")
        response = self._ingest(client, text="Crime rose 20% in 2024.")
        assert response.status_code == 409
        article = db.session.scalars(sa.select(Article)).one()
        assert f'href="/articles/{article.id}"' in response.get_data(as_text=True)

    def test_empty_and_ambiguous_input(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        response = self._ingest(client, text="   ")
        assert response.status_code == 400
        assert "Paste some text" in response.get_data(as_text=True)
        response = self._ingest(client, text="Some text.", url="https://example.com/")
        assert response.status_code == 400
        assert "only one" in response.get_data(as_text=True)
        assert count(Article) == 0

    def test_upload_docx_and_bad_upload(self, login_as):
        import docx

        client = login_as(Role.FACT_CHECKER)
        document = docx.Document()
        document.add_paragraph("ANCHOR: Welcome.")
        document.add_paragraph("SMITH: Crime rose 20% last year.")
        buffer = io.BytesIO()
        document.save(buffer)
        response = self._ingest(client, file=(io.BytesIO(buffer.getvalue()), "debate.docx"))
        job, page = self._job_page(client, response)
        assert job.status == "done", job.error
        claim = db.session.scalars(sa.select(Claim)).one()
        assert claim.claimant_name == "SMITH"
        # The article is one link away from the job page.
        assert "SMITH" in client.get(f"/articles/{claim.article_id}").get_data(as_text=True)
        assert f'href="/articles/{claim.article_id}"' in page
        # A file that is not what its name says fails its job, with the reason shown.
        response = self._ingest(client, file=(io.BytesIO(b"hello"), "fake.pdf"))
        job, page = self._job_page(client, response)
        assert job.status == "failed" and "not a PDF" in page
        # A file type the form does not take is refused at once.
        response = self._ingest(client, file=(io.BytesIO(b"MZ"), "tool.exe"))
        assert response.status_code == 400
        assert count(Article) == 1

    def test_upload_over_the_size_limit_is_413(self, app, login_as):
        app.config["MAX_CONTENT_LENGTH"] = 1024
        client = login_as(Role.FACT_CHECKER)
        response = self._ingest(client, file=(io.BytesIO(b"a" * 4096), "big.txt"))
        assert response.status_code == 413
        assert "larger than this installation accepts" in response.get_data(as_text=True)

    def test_url_to_private_address_is_refused(self, login_as):
        client = login_as(Role.FACT_CHECKER)
        job, page = self._job_page(client, self._ingest(client, url="http://127.0.0.1:9/article"))
        assert job.status == "failed" and "private or local network" in page
        assert count(Article) == 0

    def test_viewer_cannot_reach_ingest(self, login_as):
        assert login_as(Role.VIEWER).get("/articles/ingest").status_code == 403

    def test_claim_page_shows_context_and_model(self, login_as, fake_classifier):
        client = login_as(Role.VIEWER)
        ingest(
            db.session,
            Document(text="It was cold. The mayor said crime rose 20% in 2024. Then it rained."),
            actor=None,
            classifier=fake_classifier,
        )
        db.session.commit()
        claim = db.session.scalars(sa.select(Claim)).one()
        page = client.get(f"/claims/{claim.id}").get_data(as_text=True)
        assert "It was cold." in page and "Then it rained." in page
        assert "keyword-fake test-1" in page
        assert client.get("/claims/999999").status_code == 404

    def test_promote_a_missed_sentence(self, login_as, fake_classifier):
        client = login_as(Role.FACT_CHECKER)
        result = ingest(
            db.session,
            Document(text="The bridge is the oldest in the county. Crime rose 20%."),
            actor=None,
            classifier=fake_classifier,
        )
        db.session.commit()
        missed = db.session.scalars(sa.select(Sentence).where(Sentence.position == 0)).one()
        response = post_form(
            client,
            f"/claims/promote/{missed.id}",
            {"claim_text": ""},
            token_from=f"/articles/{result.article.id}",
        )
        assert response.status_code == 302
        promoted = db.session.scalars(
            sa.select(Claim).where(Claim.created_by_id.is_not(None))
        ).one()
        assert promoted.text == "The bridge is the oldest in the county."
        again = post_form(
            client,
            f"/claims/promote/{missed.id}",
            {"claim_text": ""},
            token_from=f"/articles/{result.article.id}",
        )
        assert again.status_code == 302
        assert count(Claim) == 2  # not promoted twice
        viewer = login_as(Role.VIEWER)
        refused = post_form(viewer, f"/claims/promote/{missed.id}", {}, token_from="/")
        assert refused.status_code == 403


class TestCommandLine:
    def test_ingest_a_file_and_refuse_it_twice(self, app, runner, tmp_path):
        source = tmp_path / "statement.txt"
        source.write_text("Senator Maria Lopez said the budget doubled in 2024.\n")
        result = runner.invoke(
            args=["ingest", str(source), "--outlet", "Wire", "--date", "2026-11-01"]
        )
        assert result.exit_code == 0, result.output
        assert "1 claims flagged" in result.output
        article = db.session.scalars(sa.select(Article)).one()
        assert article.outlet.name == "Wire" and str(article.published_on) == "2026-11-01"
        claim = db.session.scalars(sa.select(Claim)).one()
        assert (claim.claimant_name, claim.claimant_role) == ("Maria Lopez", "Senator")
        again = runner.invoke(args=["ingest", str(source)])
        assert again.exit_code == 1 and f"already ingested as article {article.id}" in again.output
        missing = runner.invoke(args=["ingest", str(tmp_path / "nope.txt")])
        assert missing.exit_code == 1 and "no such file" in missing.output

    def test_bulk_csv_and_jsonl(self, app, runner, tmp_path):
        rows = tmp_path / "articles.csv"
        rows.write_text(
            "title,text,outlet,published_on\n"
            "One,Crime rose 20% in 2024.,Wire,2026-01-02\n"
            "Two,Taxes fell 3% in 2023.,Wire,\n"
            "Empty,,Wire,\n"
            "Again,Crime rose 20% in 2024.,Wire,\n"
        )
        result = runner.invoke(args=["ingest", "--bulk", str(rows)])
        assert result.exit_code == 1  # one row failed, and says so
        assert "Ingested 2, skipped 1 already present, 1 failed." in result.output
        assert "articles.csv, line 4: The text is empty." in result.output
        assert count(Article) == 2
        jsonl = tmp_path / "more.jsonl"
        jsonl.write_text('{"text": "Wages rose 4% in 2025.", "title": "Three"}\nnot json\n')
        result = runner.invoke(args=["ingest", "--bulk", str(jsonl)])
        assert "Ingested 1, skipped 0 already present, 1 failed." in result.output
        assert count(Article) == 3


def test_a_claim_repeated_in_another_article_is_linked_and_boosted(app, fake_classifier):
    first = ingest(
        db.session,
        Document(
            text="The minister said unemployment fell to 3.5% in 2019. It rained.", title="One"
        ),
        actor=None,
        classifier=fake_classifier,
    )
    db.session.commit()
    claim = first.claims[0]
    before = claim.priority
    second = ingest(
        db.session,
        Document(
            text="Officials repeated it. The minister said unemployment fell to 3.5% in 2019.",
            title="Two",
        ),
        actor=None,
        classifier=fake_classifier,
    )
    db.session.commit()
    assert claim.id not in [c.id for c in second.claims]  # no second queue entry
    db.session.refresh(claim)
    assert claim.article_count == 2
    # A second article multiplies the value by 2 ** REPEAT_WEIGHT: +0.3 on the log2 scale.
    assert claim.priority == pytest.approx(before + 0.3, abs=1e-5)
    assert {s.article_id for s in claim.sentences} == {first.article.id, second.article.id}
    repeat = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "claim.repeat"))
    assert repeat.entity_id == claim.id and repeat.changes["article_count"] == [1, 2]


def test_reingest_of_queued_claims_says_they_are_already_in_the_queue(app, fake_classifier):
    """Issue 14, item 23: a second copy of a story whose claims are queued said
    "0 claims flagged" while its page listed them; it now says where they are."""
    story = "The minister said unemployment fell to 3.5% in 2019. It rained."
    first = ingest(db.session, Document(text=story), actor=None, classifier=fake_classifier)
    db.session.commit()
    assert first.summary() == f"{len(first.claims)} claims flagged." and first.claims
    second = ingest(
        db.session,
        Document(text=story + " Officials were not available."),
        actor=None,
        classifier=fake_classifier,
    )
    db.session.commit()
    assert second.claims == [] and len(second.repeated) == len(first.claims)
    assert second.summary() == (
        f"{len(first.claims)} claims, all already in the queue from other articles."
    )


class _WatchingClassifier(KeywordClassifier):
    """Notes, each time it scores, whether the request's session holds a transaction and
    (on PostgreSQL) whether any connection to the database sits idle in one."""

    def __init__(self, watcher: sa.Engine | None) -> None:
        super().__init__()
        self.watcher = watcher
        self.seen: list[tuple[bool, int]] = []

    def score_document(self, items):  # noqa: ANN001, ANN201
        idle = 0
        if self.watcher is not None:
            with self.watcher.connect() as conn:
                idle = conn.scalar(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                )
        self.seen.append((db.session().in_transaction(), idle))
        return super().score_document(items)


@pytest.mark.real_commits  # checks the transaction itself, from another connection
@pytest.mark.parametrize("source", ["web", "api"])
def test_no_transaction_is_open_while_the_classifier_scores(app, make_user, source):
    """Ingest reads what it needs (the duplicate check, the signed-in user), ends that
    transaction, scores, and only then opens the one that writes (issue 14, item 10)."""
    from factcheck.auth.tokens import create_token
    from factcheck.classifier.loader import set_classifier
    from factcheck.db import utcnow
    from tests.conftest import login
    from tests.workflow import user

    watcher = sa.create_engine(db.engine.url) if db.engine.dialect.name == "postgresql" else None
    classifier = _WatchingClassifier(watcher)
    set_classifier(app, classifier)
    account = make_user(Role.FACT_CHECKER)
    db.session.commit()  # the test's own reads (make_user's) end here
    client = app.test_client()
    text = "Taxes rose 40% last year, the mayor said. Crime fell 20% in 2024."
    try:
        if source == "web":
            login(client, account)
            response = TestWeb()._ingest(client, text=text)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        else:
            _, secret = create_token(db.session, user=user(account), name="s", now=utcnow())
            db.session.commit()
            response = client.post(
                "/api/v1/articles",
                json={"text": text},
                headers={"Authorization": f"Bearer {secret}"},
            )
            assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    finally:
        if watcher is not None:
            watcher.dispose()
    assert classifier.seen == [(False, 0)]
    assert count(Article) == 1 and count(Claim) >= 1
